"""The learner's progress: which exercises passed, when, and how many hints were revealed.

Stored as JSON in the git-ignored workspace (or COURSE_PROGRESS), one file per
learner checkout. Writes are atomic so a crash never corrupts it. With
COURSE_NO_PROGRESS set (grading, verify) nothing is written: that variable is
the one switch, so the kernels and processes a grader starts inherit it.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from checker import settings


def progress_path() -> Path:
    return settings.progress_path()


def load() -> dict[str, Any]:
    path = progress_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"passed": {}, "hints": {}}
    data.setdefault("passed", {})
    data.setdefault("hints", {})
    return data


def _save(data: dict[str, Any]) -> None:
    path = progress_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def record_pass(exercise_id: str) -> None:
    if not settings.records_progress():
        return
    data = load()
    data["passed"].setdefault(exercise_id, time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    _save(data)


def next_hint_level(exercise_id: str, available: int) -> int:
    """Reveal one more hint each call (1-based), capped at the number of hints."""
    data = load()
    level = min(int(data["hints"].get(exercise_id, 0)) + 1, available)
    data["hints"][exercise_id] = level
    if settings.records_progress():
        _save(data)
    return level


def forget(exercise_id: str) -> None:
    data = load()
    data["passed"].pop(exercise_id, None)
    data["hints"].pop(exercise_id, None)
    _save(data)
