"""The registry kinds (checker/kinds/registries.py) against a real registry: what it holds,
asked through its v2 API, and what a pull left behind. Pushes use a busybox-based image so they take a moment."""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator

import docker.errors
import pytest
import requests

from checker.context import CheckContext
from checker.kinds import registries
from checker.labels import course_labels

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-registries"


PORT = 5000  # chapter 07's registry port (docs/authoring.md)


CLOSED_PORT = 8709  # a chapter-07 port nothing listens on


def docker(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120, check=check)


@pytest.fixture
def ctx() -> CheckContext:
    return CheckContext(EXERCISE)


@pytest.fixture
def registry(docker_client, tracker) -> Iterator[str]:
    """A labelled registry:2.8 on host port 5000 with tmpfs storage; yields its container name."""
    name = f"test07-registry-{uuid.uuid4().hex[:6]}"
    tracker.containers.append(name)
    docker_client.containers.run(
        "registry:2.8",
        name=name,
        detach=True,
        labels=course_labels(EXERCISE),
        ports={"5000/tcp": PORT},
        tmpfs={"/var/lib/registry": ""},
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{PORT}/v2/", timeout=1, proxies={"http": ""}).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.1)
    yield name


def build_small_image(tracker, tag: str, text: str) -> str:
    """A tiny image (busybox + one file) so pushes stay fast; returns its id."""
    tracker.images.append(tag)
    proc = subprocess.run(
        ["docker", "build", "-q", "-t", tag, "-"],
        input=f'FROM busybox:1.35\nRUN echo {text} > /note\nCMD ["cat", "/note"]\n',
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return proc.stdout.strip()


def push(tracker, source: str, target: str) -> None:
    tracker.images.append(target)
    docker("tag", source, target)
    docker("push", target)


def test_registry_answers_passes_on_a_registry(ctx, registry) -> None:
    outcome = registries.registry_answers(ctx, port=PORT)
    assert outcome.passed, outcome.message
    assert "registry/2.0" in outcome.message


def test_registry_answers_fails_when_nothing_listens(ctx) -> None:
    outcome = registries.registry_answers(ctx, port=CLOSED_PORT, timeout=0.5)
    assert not outcome.passed
    assert f"The registry on port {CLOSED_PORT} did not answer" in outcome.message
    assert "-p" in outcome.hint


def test_repository_and_tag_pass_after_a_push(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    push(tracker, "test07-small:1.0", f"localhost:{PORT}/test07-small:1.0")
    assert registries.registry_has_repository(ctx, port=PORT, repository="test07-small").passed
    outcome = registries.registry_has_tag(ctx, port=PORT, repository="test07-small", tag="1.0")
    assert outcome.passed, outcome.message


def test_repository_fails_when_only_tagged(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    tracker.images.append(f"localhost:{PORT}/test07-small:1.0")
    docker("tag", "test07-small:1.0", f"localhost:{PORT}/test07-small:1.0")
    outcome = registries.registry_has_repository(ctx, port=PORT, repository="test07-small")
    assert not outcome.passed
    assert "has no 'test07-small'" in outcome.message and "A tag alone stays on your machine" in outcome.message


def test_tag_fails_when_pushed_as_latest(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    push(tracker, "test07-small:1.0", f"localhost:{PORT}/test07-small")
    outcome = registries.registry_has_tag(ctx, port=PORT, repository="test07-small", tag="1.0")
    assert not outcome.passed
    assert "has tags ['latest'], not '1.0'" in outcome.message


def test_digest_matches_the_pushed_image(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    push(tracker, "test07-small:1.0", f"localhost:{PORT}/test07-small:1.0")
    outcome = registries.registry_digest_matches(
        ctx, port=PORT, repository="test07-small", tag="1.0", image="test07-small:1.0"
    )
    assert outcome.passed, outcome.message


def test_digest_fails_when_another_image_was_pushed(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    build_small_image(tracker, "test07-other:1.0", "two")
    push(tracker, "test07-other:1.0", f"localhost:{PORT}/test07-small:1.0")
    outcome = registries.registry_digest_matches(
        ctx, port=PORT, repository="test07-small", tag="1.0", image="test07-small:1.0"
    )
    assert not outcome.passed
    assert "a different image was pushed under that name" in outcome.message


def test_digest_fails_when_nothing_was_pushed(ctx, registry) -> None:
    outcome = registries.registry_digest_matches(
        ctx, port=PORT, repository="test07-small", tag="1.0", image="busybox:1.35"
    )
    assert not outcome.passed
    assert "the registry has no repository 'test07-small'" in outcome.message


def test_digest_recorded_accepts_the_digest_and_explains_the_image_id(ctx, registry, tracker, tmp_path: Path) -> None:
    image_id = build_small_image(tracker, "test07-small:1.0", "one")
    push(tracker, "test07-small:1.0", f"localhost:{PORT}/test07-small:1.0")
    ctx.workdir = tmp_path
    repo_digest = docker(
        "inspect", "--format", "{{index .RepoDigests 0}}", f"localhost:{PORT}/test07-small:1.0"
    ).stdout.strip()
    (tmp_path / "digest.txt").write_text(repo_digest + "\n")
    passed = registries.digest_recorded(ctx, path="digest.txt", port=PORT, repository="test07-small", tag="1.0")
    assert passed.passed, passed.message
    (tmp_path / "digest.txt").write_text(image_id + "\n")
    failed = registries.digest_recorded(
        ctx, path="digest.txt", port=PORT, repository="test07-small", tag="1.0", image="test07-small:1.0"
    )
    assert not failed.passed
    assert "holds the image ID" in failed.message


def test_image_pulled_passes_only_after_remove_and_pull(ctx, registry, tracker) -> None:
    build_small_image(tracker, f"localhost:{PORT}/test07-pulled:1.0", "pulled")
    docker("push", f"localhost:{PORT}/test07-pulled:1.0")
    params = dict(
        image=f"localhost:{PORT}/test07-pulled:1.0",
        port=PORT,
        repository="test07-pulled",
        tag="1.0",
        registry_container=registry,
    )

    docker("pull", f"localhost:{PORT}/test07-pulled:1.0")  # still here: "Image is up to date"
    stale = registries.image_pulled_from_registry(ctx, **params)
    assert not stale.passed
    assert "never left this machine" in stale.message

    docker("rmi", f"localhost:{PORT}/test07-pulled:1.0")
    docker("pull", f"localhost:{PORT}/test07-pulled:1.0")
    ctx.refresh()
    pulled = registries.image_pulled_from_registry(ctx, **params)
    assert pulled.passed, pulled.message


def test_image_pulled_fails_when_another_tag_kept_the_image(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-keep:1.0", "kept")
    push(tracker, "test07-keep:1.0", f"localhost:{PORT}/test07-keep:1.0")
    docker("rmi", f"localhost:{PORT}/test07-keep:1.0")  # only untags: test07-keep:1.0 keeps the image
    docker("pull", f"localhost:{PORT}/test07-keep:1.0")
    outcome = registries.image_pulled_from_registry(
        ctx,
        image=f"localhost:{PORT}/test07-keep:1.0",
        port=PORT,
        repository="test07-keep",
        tag="1.0",
        registry_container=registry,
    )
    assert not outcome.passed
    assert "never left this machine" in outcome.message and "test07-keep:1.0" in outcome.message


def test_image_pulled_fails_when_the_image_is_gone(ctx, registry, tracker) -> None:
    build_small_image(tracker, f"localhost:{PORT}/test07-gone:1.0", "gone")
    docker("push", f"localhost:{PORT}/test07-gone:1.0")
    docker("rmi", f"localhost:{PORT}/test07-gone:1.0")
    outcome = registries.image_pulled_from_registry(
        ctx, image=f"localhost:{PORT}/test07-gone:1.0", port=PORT, repository="test07-gone", tag="1.0"
    )
    assert not outcome.passed
    assert "removed but not pulled back" in outcome.message
