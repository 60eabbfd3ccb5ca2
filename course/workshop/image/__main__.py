"""`python -m course.workshop.image`: the same as `python -m course workshop image` (see build.py)."""

from __future__ import annotations

import sys

from course.cli import main

sys.exit(main(["workshop", "image", *sys.argv[1:]]))
