"""The learner's progress: which exercises passed, when, how many hints were revealed, the checks run,
and the course language chosen with `lab --lang`.

The check record (attempts, the last failing messages, the exercise being worked
on and since when) is what the workshop dashboard shows an instructor: it reads
these files, never the notebooks.

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

MESSAGES_KEPT = 3


def progress_path() -> Path:
    return settings.progress_path()


def load() -> dict[str, Any]:
    path = progress_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {"passed": {}, "hints": {}, "checks": {}}
    data.setdefault("passed", {})
    data.setdefault("hints", {})
    data.setdefault("checks", {})
    return data


def now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def _work_on(data: dict[str, Any], exercise_id: str) -> None:
    """The exercise the learner works on now: the time on it counts from its first check or hint."""
    if data.get("current", {}).get("exercise") != exercise_id:
        data["current"] = {"exercise": exercise_id, "since": now()}


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
    data["passed"].setdefault(exercise_id, now())
    _save(data)


def record_check(exercise_id: str, passed: bool, messages: list[str]) -> None:
    """Count one check: passes and failures, when, and the messages of the failing checks (the last
    MESSAGES_KEPT), so an instructor sees why a learner is stuck."""
    if not settings.records_progress():
        return
    data = load()
    record = data["checks"].setdefault(exercise_id, {"passed": 0, "failed": 0})
    record["passed" if passed else "failed"] = int(record.get("passed" if passed else "failed", 0)) + 1
    record["last"] = now()
    record["messages"] = [] if passed else messages[:MESSAGES_KEPT]
    _work_on(data, exercise_id)
    if passed:
        data["passed"].setdefault(exercise_id, record["last"])
    _save(data)


def next_hint_level(exercise_id: str, available: int) -> int:
    """Reveal one more hint each call (1-based), capped at the number of hints."""
    data = load()
    level = min(int(data["hints"].get(exercise_id, 0)) + 1, available)
    data["hints"][exercise_id] = level
    _work_on(data, exercise_id)
    if settings.records_progress():
        _save(data)
    return level


def forget(exercise_id: str) -> None:
    data = load()
    data["passed"].pop(exercise_id, None)
    data["hints"].pop(exercise_id, None)
    data["checks"].pop(exercise_id, None)
    _save(data)


def remember_language(lang: str) -> None:
    """Keep the learner's course language (`lab --lang`) with their progress, so every later command,
    kernel and `lab` without `--lang` speaks it too (checker.i18n.remembered reads it back)."""
    if not settings.records_progress():
        return
    data = load()
    data["lang"] = lang
    _save(data)
