"""Chapter 07's check kinds against the real daemon, a real registry and real Compose v2.

Each kind passes on the right state and fails with a message that says what
is wrong. Pushes use a busybox-based image so they take a moment, not seconds.
Everything a test creates is registered with `tracker` (or removed in a
finally) the moment it exists; the registry keeps its storage on tmpfs.
"""
from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
import requests

from checker import api
from checker.compose_project import run_compose
from checker.context import CheckContext
from checker.kinds import registry_api as kinds
from checker.labels import course_labels

pytestmark = pytest.mark.docker

PORT = 5000  # chapter 07's registry port (docs/authoring.md)
CLOSED_PORT = 8709  # a chapter-07 port nothing listens on
EXERCISE = "test-chapter-07"


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
        input=f"FROM busybox:1.35\nRUN echo {text} > /note\nCMD [\"cat\", \"/note\"]\n",
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


# ---------------------------------------------------------------- registry API kinds


def test_registry_answers_passes_on_a_registry(ctx, registry) -> None:
    outcome = kinds.registry_answers(ctx, port=PORT)
    assert outcome.passed, outcome.message
    assert "registry/2.0" in outcome.message


def test_registry_answers_fails_when_nothing_listens(ctx) -> None:
    outcome = kinds.registry_answers(ctx, port=CLOSED_PORT, timeout=0.5)
    assert not outcome.passed
    assert f"The registry on port {CLOSED_PORT} did not answer" in outcome.message
    assert "-p" in outcome.hint


def test_repository_and_tag_pass_after_a_push(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    push(tracker, "test07-small:1.0", f"localhost:{PORT}/test07-small:1.0")
    assert kinds.registry_has_repository(ctx, port=PORT, repository="test07-small").passed
    outcome = kinds.registry_has_tag(ctx, port=PORT, repository="test07-small", tag="1.0")
    assert outcome.passed, outcome.message


def test_repository_fails_when_only_tagged(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    tracker.images.append(f"localhost:{PORT}/test07-small:1.0")
    docker("tag", "test07-small:1.0", f"localhost:{PORT}/test07-small:1.0")
    outcome = kinds.registry_has_repository(ctx, port=PORT, repository="test07-small")
    assert not outcome.passed
    assert "has no 'test07-small'" in outcome.message and "A tag alone stays on your machine" in outcome.message


def test_tag_fails_when_pushed_as_latest(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    push(tracker, "test07-small:1.0", f"localhost:{PORT}/test07-small")
    outcome = kinds.registry_has_tag(ctx, port=PORT, repository="test07-small", tag="1.0")
    assert not outcome.passed
    assert "has tags ['latest'], not '1.0'" in outcome.message


def test_digest_matches_the_pushed_image(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    push(tracker, "test07-small:1.0", f"localhost:{PORT}/test07-small:1.0")
    outcome = kinds.registry_digest_matches(ctx, port=PORT, repository="test07-small", tag="1.0", image="test07-small:1.0")
    assert outcome.passed, outcome.message


def test_digest_fails_when_another_image_was_pushed(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-small:1.0", "one")
    build_small_image(tracker, "test07-other:1.0", "two")
    push(tracker, "test07-other:1.0", f"localhost:{PORT}/test07-small:1.0")
    outcome = kinds.registry_digest_matches(ctx, port=PORT, repository="test07-small", tag="1.0", image="test07-small:1.0")
    assert not outcome.passed
    assert "a different image was pushed under that name" in outcome.message


def test_digest_fails_when_nothing_was_pushed(ctx, registry) -> None:
    outcome = kinds.registry_digest_matches(ctx, port=PORT, repository="test07-small", tag="1.0", image="busybox:1.35")
    assert not outcome.passed
    assert "the registry has no repository 'test07-small'" in outcome.message


def test_digest_recorded_accepts_the_digest_and_explains_the_image_id(ctx, registry, tracker, tmp_path: Path) -> None:
    image_id = build_small_image(tracker, "test07-small:1.0", "one")
    push(tracker, "test07-small:1.0", f"localhost:{PORT}/test07-small:1.0")
    ctx.workdir = tmp_path
    repo_digest = docker("inspect", "--format", "{{index .RepoDigests 0}}", f"localhost:{PORT}/test07-small:1.0").stdout.strip()
    (tmp_path / "digest.txt").write_text(repo_digest + "\n")
    passed = kinds.digest_recorded(ctx, path="digest.txt", port=PORT, repository="test07-small", tag="1.0")
    assert passed.passed, passed.message
    (tmp_path / "digest.txt").write_text(image_id + "\n")
    failed = kinds.digest_recorded(ctx, path="digest.txt", port=PORT, repository="test07-small", tag="1.0", image="test07-small:1.0")
    assert not failed.passed
    assert "holds the image ID" in failed.message


def test_image_pulled_passes_only_after_remove_and_pull(ctx, registry, tracker) -> None:
    build_small_image(tracker, f"localhost:{PORT}/test07-pulled:1.0", "pulled")
    docker("push", f"localhost:{PORT}/test07-pulled:1.0")
    params = dict(image=f"localhost:{PORT}/test07-pulled:1.0", port=PORT, repository="test07-pulled", tag="1.0", registry_container=registry)

    docker("pull", f"localhost:{PORT}/test07-pulled:1.0")  # still here: "Image is up to date"
    stale = kinds.image_pulled_from_registry(ctx, **params)
    assert not stale.passed
    assert "never left this machine" in stale.message

    docker("rmi", f"localhost:{PORT}/test07-pulled:1.0")
    docker("pull", f"localhost:{PORT}/test07-pulled:1.0")
    ctx.refresh()
    pulled = kinds.image_pulled_from_registry(ctx, **params)
    assert pulled.passed, pulled.message


def test_image_pulled_fails_when_another_tag_kept_the_image(ctx, registry, tracker) -> None:
    build_small_image(tracker, "test07-keep:1.0", "kept")
    push(tracker, "test07-keep:1.0", f"localhost:{PORT}/test07-keep:1.0")
    docker("rmi", f"localhost:{PORT}/test07-keep:1.0")  # only untags: test07-keep:1.0 keeps the image
    docker("pull", f"localhost:{PORT}/test07-keep:1.0")
    outcome = kinds.image_pulled_from_registry(ctx, image=f"localhost:{PORT}/test07-keep:1.0", port=PORT, repository="test07-keep", tag="1.0", registry_container=registry)
    assert not outcome.passed
    assert "never left this machine" in outcome.message and "test07-keep:1.0" in outcome.message


def test_image_pulled_fails_when_the_image_is_gone(ctx, registry, tracker) -> None:
    build_small_image(tracker, f"localhost:{PORT}/test07-gone:1.0", "gone")
    docker("push", f"localhost:{PORT}/test07-gone:1.0")
    docker("rmi", f"localhost:{PORT}/test07-gone:1.0")
    outcome = kinds.image_pulled_from_registry(ctx, image=f"localhost:{PORT}/test07-gone:1.0", port=PORT, repository="test07-gone", tag="1.0")
    assert not outcome.passed
    assert "removed but not pulled back" in outcome.message


# ---------------------------------------------------------------- volumes


def test_mount_is_named_volume_passes_and_names_an_anonymous_volume(ctx, docker_client, tracker) -> None:
    tag = uuid.uuid4().hex[:6]
    named, anonymous, volume = f"test07-named-{tag}", f"test07-anon-{tag}", f"test07-vol-{tag}"
    tracker.containers += [named]
    tracker.volumes.append(volume)
    labels = course_labels(EXERCISE)
    docker_client.containers.create("busybox:1.35", "true", name=named, labels=labels, volumes={volume: {"bind": "/data", "mode": "rw"}})
    container = docker_client.containers.create("registry:2.8", name=anonymous, labels=labels)  # VOLUME /var/lib/registry
    try:
        assert kinds.mount_is_named_volume(ctx, container=named, destination="/data", volume=volume).passed
        outcome = kinds.mount_is_named_volume(ctx, container=anonymous, destination="/var/lib/registry", volume=volume)
        assert not outcome.passed
        assert "an anonymous volume" in outcome.message
        missing = kinds.mount_is_named_volume(ctx, container=named, destination="/srv", volume=volume)
        assert "Nothing is mounted at /srv" in missing.message
    finally:
        container.remove(force=True, v=True)  # v: its anonymous volume goes with it


# ---------------------------------------------------------------- Compose project kinds

COMPOSE_GOOD = """services:
  front:
    image: busybox:1.35
    command: ["sleep", "300"]
    networks: [backend]
  store:
    image: redis:7.0
    volumes:
      - store-data:/data
    networks: [backend]
networks:
  backend: {}
volumes:
  store-data: {}
"""

COMPOSE_DEFAULT_NETWORK_BIND = """services:
  front:
    image: busybox:1.35
    command: ["sleep", "300"]
  store:
    image: redis:7.0
    volumes:
      - ./store-data:/data
"""

COMPOSE_ONE_EXITS = """services:
  front:
    image: busybox:1.35
    command: ["sh", "-c", "echo crashing; exit 3"]
  store:
    image: busybox:1.35
    command: ["sleep", "300"]
    volumes:
      - store-data:/data
volumes:
  store-data: {}
"""


@pytest.fixture
def compose_project(docker_client, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Compose project folder and name; `down -v` and a label sweep at teardown, even on failure."""
    project = f"test07-{uuid.uuid4().hex[:6]}"
    folder = tmp_path / project
    folder.mkdir()
    try:
        yield project, folder
    finally:
        run_compose(["down", "-v", "--remove-orphans", "-t", "1"], cwd=folder, project=project, timeout=60)
        label = {"label": [f"com.docker.compose.project={project}"]}
        for container in docker_client.api.containers(all=True, filters=label):
            docker_client.api.remove_container(container["Id"], force=True, v=True)
        for network in docker_client.api.networks(filters=label):
            docker_client.api.remove_network(network["Id"])
        for volume in docker_client.api.volumes(filters=label).get("Volumes") or []:
            docker_client.api.remove_volume(volume["Name"], force=True)


def up(folder: Path, project: str, content: str) -> None:
    (folder / "compose.yaml").write_text(content)
    result = run_compose(["up", "-d"], cwd=folder, project=project)
    assert result.returncode == 0, result.output


def test_project_kinds_pass_on_a_good_project(ctx, compose_project) -> None:
    project, folder = compose_project
    up(folder, project, COMPOSE_GOOD)
    services = kinds.project_services_up(ctx, project=project, services=["front", "store"], service_images={"store": "redis:7.0"})
    assert services.passed, services.message
    network = kinds.project_network_shared(ctx, project=project, network="backend", services=["front", "store"], reach_host="store", reach_port=6379)
    assert network.passed, network.message
    volume = kinds.project_volume_keeps_data(ctx, project=project, service="store", volume="store-data", destination="/data")
    assert volume.passed, volume.message


def test_project_kinds_fail_on_default_network_and_bind_mount(ctx, compose_project) -> None:
    project, folder = compose_project
    up(folder, project, COMPOSE_DEFAULT_NETWORK_BIND)
    network = kinds.project_network_shared(ctx, project=project, network="backend", services=["front", "store"])
    assert not network.passed
    assert "There is no network 'backend'" in network.message and f"{project}_default" in network.message
    volume = kinds.project_volume_keeps_data(ctx, project=project, service="store", volume="store-data", destination="/data")
    assert not volume.passed
    assert "is a bind mount" in volume.message
    wrong_image = kinds.project_services_up(ctx, project=project, services=["front"], service_images={"front": "redis:7.0"})
    assert not wrong_image.passed and "runs 'busybox:1.35', not the image 'redis:7.0'" in wrong_image.message


def test_project_services_up_fails_when_a_service_exits(ctx, compose_project) -> None:
    project, folder = compose_project
    up(folder, project, COMPOSE_ONE_EXITS)
    outcome = kinds.project_services_up(ctx, project=project, services=["front", "store"], wait=2)
    assert not outcome.passed
    assert "front is exited with code 3" in outcome.message and "crashing" in outcome.message


def test_project_kinds_fail_when_the_project_is_down(ctx) -> None:
    outcome = kinds.project_services_up(ctx, project="test07-never-started", services=["web"], wait=0)
    assert not outcome.passed and "has no containers" in outcome.message
    outcome = kinds.project_volume_keeps_data(ctx, project="test07-never-started", service="web", volume="v", destination="/data")
    assert not outcome.passed and "has no containers" in outcome.message


# ---------------------------------------------------------------- the capstone's partial credit


@pytest.mark.slow
def test_capstone_wrong_answer_earns_partial_credit_with_messages() -> None:
    """Default network and no push: 4 of 6 requirements, so 4 of 6 points, and the two misses say why."""
    exercise = api.exercise("capstone-ship")
    index = next(i for i, w in enumerate(exercise.wrong) if "default network" in w.title)
    try:
        api.apply_wrong("capstone-ship", index)
        result = api.check("capstone-ship", record=False)
        assert not result.passed and not result.could_not_check
        failed = {c.name: c.message for c in result.checks if not c.passed}
        assert len(result.checks) == 6 and len(failed) == 2, failed
        assert result.score == pytest.approx(exercise.points * 4 / 6, abs=0.01)
        assert 0 < result.score < result.max_score
        assert any("There is no network 'backend'" in m for m in failed.values())
        assert any("the registry has no repository 'capstone-app'" in m for m in failed.values())
    finally:
        api.reset("capstone-ship")
