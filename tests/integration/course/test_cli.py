"""The command-line contract, run as a learner runs it, against the real daemon."""

from __future__ import annotations

import json
import time

import pytest

from support import run_course

pytestmark = pytest.mark.docker

EXERCISE = "warmup-hello"


def test_list_json_contract() -> None:
    proc = run_course("list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert rows[0] == {
        "id": EXERCISE,
        "chapter": 0,
        "title": "Run your first named container",
        "points": 1.0,
        "notebook": "00-start-here",
    }
    assert all(set(row) == {"id", "chapter", "title", "points", "notebook"} for row in rows)
    assert all(row["chapter"] == int(row["notebook"][:2]) for row in rows)


def test_check_fails_then_solve_passes_then_reset_removes(docker_client) -> None:
    try:
        assert run_course("reset", EXERCISE).returncode == 0
        failing = run_course("check", EXERCISE, "--json")
        assert failing.returncode == 1, failing.stdout + failing.stderr
        data = json.loads(failing.stdout)
        assert set(data) == {"exercise", "passed", "score", "max_score", "checks"}
        assert data["passed"] is False and data["score"] == 0 and data["max_score"] == 1
        assert "no container named 'hello-course'" in data["checks"][0]["message"]

        solved = run_course("solve", EXERCISE)
        assert solved.returncode == 0, solved.stderr
        assert "docker run --name hello-course" in solved.stdout
        passing = run_course("check", EXERCISE, "--json")
        assert passing.returncode == 0, passing.stdout
        data = json.loads(passing.stdout)
        assert data["passed"] is True and data["score"] == 1
        assert all(set(c) == {"name", "passed", "message"} and c["passed"] for c in data["checks"])

        text = run_course("check", EXERCISE)
        assert text.returncode == 0 and "✔ warmup-hello: passed" in text.stdout

        progress = json.loads(run_course("progress", "--json").stdout)
        assert EXERCISE in progress["passed"]
    finally:
        reset = run_course("reset", EXERCISE)
    assert reset.returncode == 0 and "1 containers" in reset.stdout
    assert not docker_client.api.containers(all=True, filters={"name": "^/hello-course$"})


def test_hints_escalate_from_nudge_to_command() -> None:
    first = run_course("hint", EXERCISE).stdout
    second = run_course("hint", EXERCISE).stdout
    assert first.startswith("Hint 1 of") and second.startswith("Hint 2 of") and first != second
    for _ in range(5):
        last = run_course("hint", EXERCISE).stdout
    assert last.startswith("Hint 4 of 4") and "docker run --name hello-course" in last


def test_kinds_prints_the_reference_of_every_kind() -> None:
    from checker.kinds import reference

    text = run_course("kinds")
    assert text.returncode == 0, text.stderr
    assert text.stdout == reference.render_text().rstrip("\n") + "\n"
    assert "container_running" in text.stdout
    markdown = run_course("kinds", "--markdown")
    assert markdown.returncode == 0 and markdown.stdout.startswith("# Check kinds")


def test_unknown_exercise_is_exit_2_with_a_fix() -> None:
    proc = run_course("check", "no-such-exercise")
    assert proc.returncode == 2
    assert "No exercise called 'no-such-exercise'" in proc.stderr and "course list" in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_reset_needs_a_target() -> None:
    proc = run_course("reset")
    assert proc.returncode == 2 and "--all" in proc.stderr


@pytest.mark.parametrize("command", [["check", EXERCISE, "--json"], ["solve", EXERCISE], ["reset", EXERCISE]])
def test_daemon_down_is_exit_2_with_a_clear_message(command: list[str], tmp_path) -> None:
    env = {"DOCKER_HOST": f"unix://{tmp_path}/no-daemon.sock"}
    started = time.monotonic()
    proc = run_course(*command, env=env)
    assert time.monotonic() - started < 10
    assert proc.returncode == 2
    output = proc.stdout + proc.stderr
    assert "not running or cannot be reached" in output and "Traceback" not in output
    if "--json" in command:
        assert json.loads(proc.stdout)["error"]


def test_doctor_without_a_daemon_answers_within_3_seconds(tmp_path) -> None:
    started = time.monotonic()
    proc = run_course("doctor", "--json", env={"DOCKER_HOST": f"unix://{tmp_path}/no-daemon.sock"})
    elapsed = time.monotonic() - started
    assert proc.returncode == 1
    report = json.loads(proc.stdout)
    daemon = report["checks"][0]
    assert daemon["name"] == "Docker daemon" and not daemon["ok"] and daemon["fix"]
    assert elapsed < 3.0, f"doctor took {elapsed:.1f} s without a daemon"
    assert "Traceback" not in proc.stderr


def test_doctor_reports_every_part_of_a_ready_machine() -> None:
    proc = run_course("doctor", "--json")
    report = json.loads(proc.stdout)
    names = [c["name"] for c in report["checks"]]
    assert names[0] == "Docker daemon" and "Compose v2" in names and "free disk" in names and "host ports" in names
    images = [c for c in report["checks"] if c["name"].startswith("image ")]
    assert {c["name"] for c in images} >= {
        "image busybox:1.35",
        "image python:3.11-slim",
        "image redis:7.0",
        "image registry:2.8",
    }
    daemon = report["checks"][0]
    assert "engine" in daemon["detail"] and "API" in daemon["detail"]
    assert proc.returncode == (0 if report["ready"] else 1)
    assert report["ready"], proc.stdout  # the suite runs after `course images`, so this machine is ready
