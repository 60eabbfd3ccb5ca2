"""The learner's progress: which exercises passed, when, and how many hints were revealed.

Stored as JSON in the git-ignored workspace (or COURSE_PROGRESS), one file per
learner checkout. Writes are atomic so a crash never corrupts it.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from checker.context import default_workdir


def progress_path() -> Path:
    override = os.environ.get("COURSE_PROGRESS")
    return Path(override) if override else default_workdir() / "workspace" / ".progress.json"


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
    if os.environ.get("COURSE_NO_PROGRESS"):
        return
    data = load()
    data["passed"].setdefault(exercise_id, time.strftime("%Y-%m-%dT%H:%M:%S%z"))
    _save(data)


def next_hint_level(exercise_id: str, available: int) -> int:
    """Reveal one more hint each call (1-based), capped at the number of hints."""
    data = load()
    level = min(int(data["hints"].get(exercise_id, 0)) + 1, available)
    data["hints"][exercise_id] = level
    if not os.environ.get("COURSE_NO_PROGRESS"):
        _save(data)
    return level


def forget(exercise_id: str) -> None:
    data = load()
    data["passed"].pop(exercise_id, None)
    data["hints"].pop(exercise_id, None)
    _save(data)
