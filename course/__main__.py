"""`python -m course …`: see course/cli.py."""

from course.cli import main

raise SystemExit(main())
