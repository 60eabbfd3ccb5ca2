"""The workspace kinds (checker/kinds/workspace.py) against the real daemon: recorded answers
compared with the daemon's facts and with what a container printed."""

from __future__ import annotations

import pytest

from checker.kinds import workspace
from checker.labels import course_labels

from .helpers import BUSYBOX, run_sleeper, unique, write

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-workspace"


def test_recorded_facts_match_the_daemon(docker_client, tracker, ctx) -> None:
    name = unique("facts")
    container = run_sleeper(docker_client, tracker, name, EXERCISE)
    kernel = container.exec_run(["uname", "-r"]).output.decode().strip()
    answers = write(
        ctx,
        "answers.txt",
        f"kernel: {kernel}\nhostname: {container.id[:12]}\npid1: /bin/sleep 300\nid: {container.id[:12]}\n",
    )
    for key, fact in (
        ("kernel", "kernel_version"),
        ("hostname", "container_hostname"),
        ("pid1", "pid1_command"),
        ("id", "container_id"),
    ):
        outcome = workspace.answer_matches_fact(ctx, path=answers, key=key, fact=fact, container=name)
        assert outcome.passed, (key, outcome.message)


def test_recorded_facts_say_what_is_wrong(docker_client, tracker, ctx) -> None:
    name = unique("facts")
    container = run_sleeper(docker_client, tracker, name, EXERCISE)
    host_name = docker_client.info()["Name"]
    image_id = container.attrs["Image"].removeprefix("sha256:")[:12]
    answers = write(ctx, "answers.txt", f"kernel: 0.0.1-nope\nhostname: {host_name}\npid1: TODO\nid: {image_id}\n")

    kernel = workspace.answer_matches_fact(ctx, path=answers, key="kernel", fact="kernel_version", container=name)
    assert not kernel.passed and "is not the kernel release" in kernel.message
    hostname = workspace.answer_matches_fact(
        ctx, path=answers, key="hostname", fact="container_hostname", container=name
    )
    assert not hostname.passed and "is the host's hostname" in hostname.message
    pid1 = workspace.answer_matches_fact(ctx, path=answers, key="pid1", fact="pid1_command", container=name)
    assert not pid1.passed and "still empty or TODO" in pid1.message
    ident = workspace.answer_matches_fact(ctx, path=answers, key="id", fact="container_id", container=name)
    assert not ident.passed and "is the ID of" in ident.message and "image" in ident.message
    missing = workspace.answer_matches_fact(ctx, path="nowhere.txt", key="kernel", fact="kernel_version")
    assert not missing.passed and "does not exist yet" in missing.message


def test_answer_matches_logs(docker_client, tracker, ctx) -> None:
    name = unique("logs")
    tracker.containers.append(name)
    docker_client.containers.run(BUSYBOX, ["echo", "token: 5eed"], name=name, labels=course_labels(EXERCISE))
    right = write(ctx, "right.txt", "token: 5eed\n")
    assert workspace.answer_matches_logs(
        ctx, path=right, container=name, pattern="token: ([0-9a-f]+)", key="token"
    ).passed
    wrong = write(ctx, "wrong.txt", "token: beef\n")
    outcome = workspace.answer_matches_logs(ctx, path=wrong, container=name, pattern="token: ([0-9a-f]+)", key="token")
    assert not outcome.passed and f"does not match what {name} printed" in outcome.message
    silent = workspace.answer_matches_logs(ctx, path=right, container=name, pattern="VERSION_ID=([0-9]+)", wait=0.5)
    assert not silent.passed and "hold nothing matching" in silent.message
