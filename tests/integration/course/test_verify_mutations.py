"""`verify --mutations` finds a mutant the checks miss, and accepts it once it is recorded as equivalent.

A copy of chapter 0 under other names (so it never meets the real exercise's container) whose reference
solution runs the container with `--label` and `-e`: dropping either changes nothing the checks look at, so
both mutants survive until `[[exercise.equivalent]]` records them with a reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker import settings

from support import run_course

pytestmark = [pytest.mark.docker]

SOLUTION = """shell = 'docker run --name hello-course busybox:1.35 echo "Hello, Docker!"'"""
PADDED = """shell = 'docker run --label p=demo -e G=hi --name mutant-hello busybox:1.35 echo "Hello, Docker!"'"""
EQUIVALENT = """
[[exercise.equivalent]]
mutation = "step 1: drop `--label p=demo`"
reason = "the label is not part of the lesson"

[[exercise.equivalent]]
mutation = "step 1: drop `-e G=hi`"
reason = "echo never reads the variable"
"""


def _chapter(folder: Path, *, recorded: bool) -> Path:
    source = (settings.DEFAULT_EXERCISES_DIR / "00-start-here.toml").read_text()
    assert SOLUTION in source
    text = source.replace(SOLUTION, PADDED, 1).replace("hello-course", "mutant-hello")
    if recorded:
        text = text.replace("\n[[exercise.wrong]]", EQUIVALENT + "\n[[exercise.wrong]]", 1)
    folder.mkdir()
    (folder / "00-start-here.toml").write_text(text)
    return folder


def _mutations(folder: Path) -> tuple[int, dict]:
    proc = run_course(
        "verify", "--mutations", "--chapter", "0", "--json", env={settings.EXERCISES_DIR.name: str(folder)}
    )
    assert proc.stdout.strip(), proc.stderr[-2000:]
    (report,) = json.loads(proc.stdout)["mutations"]
    return proc.returncode, report


def test_a_mutant_the_checks_miss_is_reported(tmp_path: Path) -> None:
    code, report = _mutations(_chapter(tmp_path / "plain", recorded=False))
    assert code == 1 and not report["ok"]
    assert sorted(report["survivors"]) == ["step 1: drop `--label p=demo`", "step 1: drop `-e G=hi`"]
    assert report["tried"] == 3  # and dropping `--name mutant-hello` fails


def test_a_recorded_equivalent_is_not_a_survivor(tmp_path: Path) -> None:
    code, report = _mutations(_chapter(tmp_path / "recorded", recorded=True))
    assert code == 0 and report["ok"] and not report["survivors"]
    assert len(report["equivalent"]) == 2
