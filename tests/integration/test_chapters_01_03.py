"""The check kinds of chapters 01 and 03 (checker/kinds/lifecycle.py) against the real daemon.

Each kind is shown to pass on the right state and to fail with a message that
says what is wrong. Every container and image is registered with `tracker`
the moment it exists, so teardown removes it even when an assertion fails.
"""
from __future__ import annotations

import io
import time
import uuid
from pathlib import Path

import pytest

from checker.context import CheckContext
from checker.kinds.lifecycle import (
    answer_matches_fact,
    answer_matches_logs,
    bind_mount_live,
    container_events,
    image_serves_http,
    image_tagged,
    no_labelled_containers,
    writable_layer,
)
from checker.labels import course_labels

pytestmark = pytest.mark.docker

EXERCISE = "test-lifecycle-kinds"
BUSYBOX = "busybox:1.35"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def ctx(tmp_path: Path) -> CheckContext:
    return CheckContext(EXERCISE, workdir=tmp_path)


def run_sleeper(client, tracker, name: str, **kwargs):
    tracker.containers.append(name)
    return client.containers.run(BUSYBOX, "sleep 300", name=name, detach=True, labels=course_labels(EXERCISE), **kwargs)


def write(ctx: CheckContext, relative: str, text: str) -> str:
    target = ctx.path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return relative


# ---------------------------------------------------------------- answer_matches_fact


def test_recorded_facts_match_the_daemon(docker_client, tracker, ctx) -> None:
    name = unique("facts")
    container = run_sleeper(docker_client, tracker, name)
    kernel = container.exec_run(["uname", "-r"]).output.decode().strip()
    answers = write(ctx, "answers.txt", f"kernel: {kernel}\nhostname: {container.id[:12]}\npid1: /bin/sleep 300\nid: {container.id[:12]}\n")
    for key, fact in (("kernel", "kernel_version"), ("hostname", "container_hostname"), ("pid1", "pid1_command"), ("id", "container_id")):
        outcome = answer_matches_fact(ctx, path=answers, key=key, fact=fact, container=name)
        assert outcome.passed, (key, outcome.message)


def test_recorded_facts_say_what_is_wrong(docker_client, tracker, ctx) -> None:
    name = unique("facts")
    container = run_sleeper(docker_client, tracker, name)
    host_name = docker_client.info()["Name"]
    image_id = container.attrs["Image"].removeprefix("sha256:")[:12]
    answers = write(ctx, "answers.txt", f"kernel: 0.0.1-nope\nhostname: {host_name}\npid1: TODO\nid: {image_id}\n")

    kernel = answer_matches_fact(ctx, path=answers, key="kernel", fact="kernel_version", container=name)
    assert not kernel.passed and "is not the kernel release" in kernel.message
    hostname = answer_matches_fact(ctx, path=answers, key="hostname", fact="container_hostname", container=name)
    assert not hostname.passed and "is the host's hostname" in hostname.message
    pid1 = answer_matches_fact(ctx, path=answers, key="pid1", fact="pid1_command", container=name)
    assert not pid1.passed and "still empty or TODO" in pid1.message
    ident = answer_matches_fact(ctx, path=answers, key="id", fact="container_id", container=name)
    assert not ident.passed and "is the ID of" in ident.message and "image" in ident.message
    missing = answer_matches_fact(ctx, path="nowhere.txt", key="kernel", fact="kernel_version")
    assert not missing.passed and "does not exist yet" in missing.message


# ---------------------------------------------------------------- answer_matches_logs


def test_answer_matches_logs(docker_client, tracker, ctx) -> None:
    name = unique("logs")
    tracker.containers.append(name)
    docker_client.containers.run(BUSYBOX, ["echo", "token: 5eed"], name=name, labels=course_labels(EXERCISE))
    right = write(ctx, "right.txt", "token: 5eed\n")
    assert answer_matches_logs(ctx, path=right, container=name, pattern="token: ([0-9a-f]+)", key="token").passed
    wrong = write(ctx, "wrong.txt", "token: beef\n")
    outcome = answer_matches_logs(ctx, path=wrong, container=name, pattern="token: ([0-9a-f]+)", key="token")
    assert not outcome.passed and f"does not match what {name} printed" in outcome.message
    silent = answer_matches_logs(ctx, path=right, container=name, pattern="VERSION_ID=([0-9]+)", wait=0.5)
    assert not silent.passed and "hold nothing matching" in silent.message


# ---------------------------------------------------------------- writable_layer


def test_writable_layer_tells_containers_apart(docker_client, tracker, ctx) -> None:
    one, other = unique("layer-a"), unique("layer-b")
    first = run_sleeper(docker_client, tracker, one)
    run_sleeper(docker_client, tracker, other)
    first.exec_run(["sh", "-c", "echo hi > /marker.txt"])
    assert writable_layer(ctx, container=one, path="/marker.txt").passed
    assert writable_layer(ctx, container=other, path="/marker.txt", present=False).passed
    absent = writable_layer(ctx, container=other, path="/marker.txt")
    assert not absent.passed and "is not in" in absent.message
    shared = writable_layer(ctx, container=one, path="/marker.txt", present=False)
    assert not shared.passed and "writable layer too" in shared.message


# ---------------------------------------------------------------- image_serves_http and image_tagged


def _build(docker_client, tracker, tag: str, dockerfile: str) -> None:
    tracker.images.append(tag)
    docker_client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, labels=course_labels(EXERCISE), rm=True)


def test_image_serves_http_and_its_failure(docker_client, tracker, ctx) -> None:
    good, bad = f"{unique('serves')}:v1", f"{unique('silent')}:v1"
    _build(docker_client, tracker, good, f'FROM {BUSYBOX}\nRUN mkdir /site && echo served-ok > /site/index.html\nCMD ["httpd", "-f", "-p", "8000", "-h", "/site"]\n')
    _build(docker_client, tracker, bad, f'FROM {BUSYBOX}\nCMD ["sleep", "300"]\n')
    assert image_serves_http(ctx, image=good, container_port=8000, contains="served-ok").passed
    outcome = image_serves_http(ctx, image=bad, container_port=8000, timeout=1.5)
    assert not outcome.passed and "did not serve / on port 8000" in outcome.message
    left = docker_client.containers.list(all=True, filters={"label": f"org.dockercourse.exercise={EXERCISE}", "ancestor": bad})
    assert not left, "the probe container was not removed"


def test_image_tagged_names_the_tags_that_exist(docker_client, tracker, ctx) -> None:
    repository = unique("tagged")
    _build(docker_client, tracker, f"{repository}:latest", f"FROM {BUSYBOX}\n")
    assert image_tagged(ctx, image=f"{repository}:latest").passed
    outcome = image_tagged(ctx, image=f"{repository}:v1")
    assert not outcome.passed and f"found {repository}:latest instead" in outcome.message


# ---------------------------------------------------------------- bind_mount_live


def test_bind_mount_live(docker_client, tracker, ctx, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    site.chmod(0o777)
    bound, copied = unique("live"), unique("copied")
    tracker.containers += [bound, copied]
    common = dict(command=["httpd", "-f", "-p", "8000", "-h", "/site"], detach=True, labels=course_labels(EXERCISE), ports={"8000/tcp": ("127.0.0.1", None)})
    docker_client.containers.run(BUSYBOX, name=bound, volumes={str(site): {"bind": "/site", "mode": "ro"}}, **common)
    docker_client.containers.run(BUSYBOX, name=copied, **common)
    port = int(docker_client.api.port(bound, 8000)[0]["HostPort"])
    assert bind_mount_live(ctx, container=bound, destination="/site", port=port).passed
    assert list(site.iterdir()) == [], "the test file must be removed again"
    outcome = bind_mount_live(ctx, container=copied, destination="/site", port=port)  # fails before any request
    assert not outcome.passed and "No host folder is bind-mounted at /site" in outcome.message


# ---------------------------------------------------------------- container_events


def test_container_events_see_a_restart_and_its_absence(docker_client, tracker, ctx) -> None:
    name = unique("events")
    tracker.containers.append(name)
    container = docker_client.containers.create(BUSYBOX, ["sh", "-c", 'trap "exit 0" TERM; while true; do sleep 1; done'], name=name, labels=course_labels(EXERCISE))
    container.start()
    container.stop(timeout=5)
    without = container_events(ctx, container=name, sequence=["create", "start", "restart", "stop"], explain="(RestartCount stays 0.)")
    assert not without.passed and "No `restart`" in without.message and "RestartCount" in without.message
    container.start()
    container.restart(timeout=5)
    container.stop(timeout=5)
    time.sleep(0.2)
    assert container_events(ctx, container=name, sequence=["create", "start", "restart", "stop"]).passed


def test_container_events_tell_kill_from_stop(docker_client, tracker, ctx) -> None:
    name = unique("killed")
    container = run_sleeper(docker_client, tracker, name)
    container.kill()
    time.sleep(0.2)
    assert container_events(ctx, container=name, sequence=["create", "start", "kill", "die"], absent=["stop"]).passed
    outcome = container_events(ctx, container=name, sequence=["stop"])
    assert not outcome.passed and "No `stop`" in outcome.message and "kill (SIGKILL)" in outcome.message


def test_container_events_ignore_an_earlier_container_of_the_same_name(docker_client, tracker, ctx) -> None:
    name = unique("reused")
    first = run_sleeper(docker_client, tracker, name)
    first.stop(timeout=1)
    first.remove()
    gone = container_events(ctx, container=name, sequence=["create", "stop"])
    assert not gone.passed and f"There is no container named {name!r}" in gone.message
    run_sleeper(docker_client, tracker, name)
    ctx.refresh()
    again = container_events(ctx, container=name, sequence=["create", "stop"])
    assert not again.passed and "No `stop`" in again.message


# ---------------------------------------------------------------- no_labelled_containers


def test_no_labelled_containers(docker_client, tracker, ctx) -> None:
    value = unique("scratch")
    name = unique("scratchbox")
    tracker.containers.append(name)
    docker_client.containers.create(BUSYBOX, "true", name=name, labels={**course_labels(EXERCISE), "purpose": value})
    outcome = no_labelled_containers(ctx, label=f"purpose={value}")
    assert not outcome.passed and "1 container(s) labelled" in outcome.message and f"{name} (created)" in outcome.message
    docker_client.api.remove_container(name, force=True)
    assert no_labelled_containers(ctx, label=f"purpose={value}").passed
