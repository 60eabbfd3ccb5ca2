"""`python -m course.workshop.image`: build the single-user image (see build.py)."""

from __future__ import annotations

import sys

from course.workshop.image.build import main

sys.exit(main())
