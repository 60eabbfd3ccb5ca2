"""The debugging kinds (checker/kinds/operations.py) against the real daemon: each passes for a right
state and fails with its message for a wrong one."""

from __future__ import annotations

import datetime
import io
import tarfile
import time

import pytest

from checker.facts.events import read_events
from checker.facts.times import parse_time
from checker.kinds import operations
from checker.labels import course_labels

from .helpers import BUSYBOX, build_image, labelled, run_sleeper, unique, write

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-operations"
WORKER = 'trap "sleep 1; exit 0" HUP INT USR1 USR2 TERM; echo working; while true; do sleep 1 & wait $!; done'


def test_crash_cause_recorded(docker_client, tracker, ctx) -> None:
    image = f"{unique('crasher')}:v1"
    build_image(
        docker_client,
        tracker,
        EXERCISE,
        image,
        f'FROM {BUSYBOX}\nCMD ["sh", "-c", "echo \'error: variable TOKEN is not set\' >&2; exit 4"]\n',
    )
    params = {"path": "cause.txt", "image": image, "pattern": r"variable (\w+) is not set"}
    write(ctx, "cause.txt", "exit_code: 4\nmissing: $TOKEN\n")
    assert operations.crash_cause_recorded(ctx, **params).passed
    write(ctx, "cause.txt", "exit_code: 137\nmissing: TOKEN\n")
    killed = operations.crash_cause_recorded(ctx, **params)
    assert not killed.passed and "is not the code the container exits with" in killed.message
    assert "137 is 128 + 9" in killed.message
    write(ctx, "cause.txt", "exit_code: 4\nmissing: PORT\n")
    other = operations.crash_cause_recorded(ctx, **params)
    assert not other.passed and "is not what the container's logs say is missing" in other.message
    assert not labelled(docker_client, EXERCISE), "the crash's container was not removed"


def test_restart_policy_and_detached(docker_client, tracker, ctx) -> None:
    policy = unique("policy")
    run_sleeper(docker_client, tracker, policy, EXERCISE, restart_policy={"Name": "on-failure", "MaximumRetryCount": 2})
    assert operations.restart_policy(ctx, container=policy, policy="on-failure", max_retries=2).passed
    assert operations.container_detached(ctx, container=policy).passed
    other = operations.restart_policy(ctx, container=policy, policy="always")
    assert not other.passed and "Its restart policy is 'on-failure', not 'always'" in other.message
    fewer = operations.restart_policy(ctx, container=policy, policy="on-failure", max_retries=5)
    assert not fewer.passed and "at most 2 times, not 5" in fewer.message
    attached = unique("attached")
    tracker.containers.append(attached)
    docker_client.containers.create(BUSYBOX, "sleep 300", name=attached, labels=course_labels(EXERCISE)).start()
    none = operations.restart_policy(ctx, container=attached, policy="on-failure")
    assert not none.passed and "Its restart policy is 'no' (the default" in none.message
    held = operations.container_detached(ctx, container=attached)
    assert not held.passed and "started attached to the terminal, without `-d`" in held.message


@pytest.fixture
def two_workers(docker_client, tracker) -> tuple[str, str]:
    """`target` ended by SIGUSR1 (it cleans up for 1 s), then `other` stopped (SIGTERM) once target died."""
    target, other = unique("ingest"), unique("report")
    tracker.containers += [target, other]
    for name in (target, other):
        docker_client.containers.run(
            BUSYBOX, ["sh", "-c", WORKER], name=name, detach=True, labels=course_labels(EXERCISE)
        )
    for name in (target, other):
        for _ in range(50):
            if b"working" in docker_client.api.logs(name):
                break
            time.sleep(0.1)
    time.sleep(1)
    docker_client.api.kill(target, signal="SIGUSR1")
    docker_client.api.wait(target, timeout=10)
    docker_client.api.stop(other, timeout=10)
    ids = [docker_client.api.inspect_container(name)["Id"] for name in (target, other)]
    for _ in range(50):  # `stop` and `wait` return a moment before the daemon logs the `die` event
        died = read_events(docker_client.api, since=time.time() - 60, until=time.time(), filters={"event": "die"})
        if {e.container_id for e in died} >= set(ids):
            break
        time.sleep(0.1)
    return target, other


def test_signal_recorded(two_workers, docker_client, tracker, ctx) -> None:
    target, other = two_workers
    write(ctx, "answers.txt", "signal: USR1\n")
    assert operations.signal_recorded(ctx, path="answers.txt", container=target).passed
    write(ctx, "answers.txt", "signal: 15\n")
    elsewhere = operations.signal_recorded(ctx, path="answers.txt", container=target)
    assert not elsewhere.passed and f"is the signal sent to {other}, not to {target}" in elsewhere.message
    write(ctx, "answers.txt", "signal: SIGINT\n")
    wrong = operations.signal_recorded(ctx, path="answers.txt", container=target)
    assert not wrong.passed and f"SIGINT (2) is not the signal the daemon sent to {target}" in wrong.message
    write(ctx, "answers.txt", "signal: 0\n")
    assert "names no signal" in operations.signal_recorded(ctx, path="answers.txt", container=target).message
    alive = unique("alive")
    run_sleeper(docker_client, tracker, alive, EXERCISE)
    assert "no `kill` event" in operations.signal_recorded(ctx, path="answers.txt", container=alive).message


def test_death_time_recorded(two_workers, docker_client, ctx) -> None:
    target, other = two_workers
    state = docker_client.api.inspect_container(target)["State"]
    params = {"path": "answers.txt", "container": target, "tolerance": 0.4}
    write(ctx, "answers.txt", f"died: {state['FinishedAt']}\n")
    assert operations.death_time_recorded(ctx, **params).passed
    write(ctx, "answers.txt", f"died: {state['StartedAt']}\n")
    started = operations.death_time_recorded(ctx, **params)
    assert not started.passed and f"is when the daemon saw `start` for {target}" in started.message
    other_end = docker_client.api.inspect_container(other)["State"]["FinishedAt"]
    write(ctx, "answers.txt", f"died: {other_end}\n")
    elsewhere = operations.death_time_recorded(ctx, **params)
    assert not elsewhere.passed and f"is when {other} died, not {target}" in elsewhere.message
    shifted = parse_time(state["FinishedAt"]) + datetime.timedelta(hours=2)
    write(ctx, "answers.txt", f"died: {shifted.strftime('%Y-%m-%dT%H:%M:%S.%f')}\n")
    zone = operations.death_time_recorded(ctx, **params)
    assert not zone.passed and "off by exactly +2 h: a time zone" in zone.message
    write(ctx, "answers.txt", "died: last tuesday\n")
    assert "is not a time I can read" in operations.death_time_recorded(ctx, **params).message


def test_copied_file_matches(docker_client, tracker, ctx) -> None:
    name = unique("job")
    tracker.containers.append(name)
    script = "mkdir -p /out && { echo first; echo $RANDOM$RANDOM; } > /out/report.txt"
    docker_client.containers.run(BUSYBOX, ["sh", "-c", script], name=name, labels=course_labels(EXERCISE))
    original = docker_client.api.get_archive(name, "/out/report.txt")
    params = {"path": "copy/report.txt", "container": name, "source": "/out/report.txt"}
    assert "does not exist yet" in operations.copied_file_matches(ctx, **params).message
    write(ctx, "copy/out/report.txt", "whatever\n")
    stray = operations.copied_file_matches(ctx, **params)
    assert not stray.passed and "`docker cp` of a folder copies the folder itself" in stray.message
    write(ctx, "copy/report.txt", "")
    empty = operations.copied_file_matches(ctx, **params)
    assert not empty.passed and f"is empty, but /out/report.txt in {name} holds" in empty.message
    write(ctx, "copy/report.txt", "first\n12345\n")
    differs = operations.copied_file_matches(ctx, **params)
    assert not differs.passed and "differs from /out/report.txt" in differs.message and "line 2" in differs.message
    data = b"".join(original[0])
    content = tarfile.open(fileobj=io.BytesIO(data)).extractfile("report.txt").read()
    ctx.path("copy/report.txt").write_bytes(content)
    assert operations.copied_file_matches(ctx, **params).passed


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("httpd -f -p 8000 -h /", None),
        ("httpd -f -p 127.0.0.1:8000 -h /", "is served on 127.0.0.1:8000 only"),
        ("httpd -f -p 8080 -h /", "Nothing listens on container port 8000"),
    ],
    ids=["everywhere", "loopback", "other-port"],
)
def test_listens_on_published_ports(docker_client, tracker, ctx, command: str, expected: str | None) -> None:
    name = unique("listener")
    tracker.containers.append(name)
    docker_client.containers.run(
        BUSYBOX, ["sh", "-c", command], name=name, detach=True, ports={"8000/tcp": None}, labels=course_labels(EXERCISE)
    )
    outcome = operations.listens_on_published_ports(ctx, container=name, settle=1.5)
    if expected is None:
        assert outcome.passed, outcome.message
    else:
        assert not outcome.passed and expected in outcome.message, outcome.message


def test_listens_needs_a_published_port(docker_client, tracker, ctx) -> None:
    name = unique("unpublished")
    run_sleeper(docker_client, tracker, name, EXERCISE)
    outcome = operations.listens_on_published_ports(ctx, container=name, settle=0.5)
    assert not outcome.passed and "It publishes no port" in outcome.message
