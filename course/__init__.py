"""The course: its command line (cli), set-up (setup), base images (images), notebook UI (notebook),
grading (grading) and self-check (verify). The engine that checks exercises is the `checker` package.

The committed notebooks run `from course import doctor` in their first cell, so `doctor` is
served from course.setup on first use (PEP 562), without importing it for every command.
"""

from __future__ import annotations

from types import ModuleType


def __getattr__(name: str) -> ModuleType:
    if name == "doctor":
        from course.setup import doctor

        return doctor
    raise AttributeError(f"module 'course' has no attribute {name!r}")
