"""Reset removes what the exercise labelled or names, and never a lookalike."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from checker import api
from checker.labels import course_labels
from checker.registry import load_registry

pytestmark = pytest.mark.docker

CHAPTER = """
notebook = "09-demo"
[[exercise]]
id = "cleanup-demo"
title = "Demo"
hints = ["a"]
[exercise.owns]
containers = ["{owned}"]
networks = ["{owned}-net"]
volumes = ["{owned}-vol"]
files = ["workspace/cleanup-demo"]
[[exercise.check]]
kind = "container_running"
container = "{owned}"
[[exercise.solution]]
shell = "docker run -d --name {owned} busybox:1.35 sleep 300"
[[exercise.wrong]]
title = "stopped"
expect = "not running"
[[exercise.wrong.steps]]
shell = "docker create --name {owned} busybox:1.35 sleep 300"
"""


@pytest.fixture
def demo_registry(tmp_path: Path):
    owned = f"dc-owned-{uuid.uuid4().hex[:6]}"
    (tmp_path / "09-demo.toml").write_text(CHAPTER.format(owned=owned))
    return load_registry(tmp_path), owned


def test_reset_removes_owned_and_labelled_but_not_lookalikes(docker_client, tracker, demo_registry, course_env) -> None:
    registry, owned = demo_registry
    client = docker_client
    lookalike = f"{owned}-lookalike"
    for name in (owned, lookalike):
        tracker.containers.append(name)
    tracker.networks += [f"{owned}-net", f"{lookalike}-net"]
    tracker.volumes += [f"{owned}-vol"]
    client.containers.create("busybox:1.35", "true", name=owned)
    client.containers.create("busybox:1.35", "true", name=lookalike)  # unlabelled, not declared
    labelled = client.containers.create("busybox:1.35", "true", labels=course_labels("cleanup-demo"))
    tracker.containers.append(labelled.id)
    other_exercise = client.containers.create("busybox:1.35", "true", labels=course_labels("another-exercise"))
    tracker.containers.append(other_exercise.id)
    client.networks.create(f"{owned}-net")
    client.networks.create(f"{lookalike}-net")
    client.volumes.create(f"{owned}-vol")
    answer = course_env / "workspace" / "cleanup-demo" / "answer.txt"
    answer.parent.mkdir(parents=True, exist_ok=True)
    answer.write_text("learner work")

    removed = api.reset("cleanup-demo", registry=registry)

    names = {c.name for c in client.containers.list(all=True)}
    assert owned not in names and lookalike in names
    assert labelled.id not in {c.id for c in client.containers.list(all=True)}
    assert other_exercise.id in {c.id for c in client.containers.list(all=True)}
    assert {n.name for n in client.networks.list()} >= {f"{lookalike}-net"}
    assert f"{owned}-net" not in {n.name for n in client.networks.list()}
    assert (
        set(removed.containers) >= {owned}
        and removed.networks == [f"{owned}-net"]
        and removed.volumes == [f"{owned}-vol"]
    )
    assert not answer.exists()
    trashed = {p.read_text() for p in (course_env / "workspace" / ".trash").rglob("answer.txt")}
    assert "learner work" in trashed, "reset keeps a copy of learner files"


def test_solve_check_and_wrong_answer_on_a_private_registry(docker_client, tracker, demo_registry) -> None:
    registry, owned = demo_registry
    tracker.containers.append(owned)
    api.solve("cleanup-demo", registry=registry)
    assert api.check("cleanup-demo", registry=registry).passed
    api.apply_wrong("cleanup-demo", 0, registry=registry)
    result = api.check("cleanup-demo", registry=registry)
    assert not result.passed and result.exit_code == 1
    assert "It is not running: it is created" in result.checks[0].message
    api.reset("cleanup-demo", registry=registry)
    assert not docker_client.api.containers(all=True, filters={"name": f"^/{owned}$"})


def test_two_resets_in_one_second_keep_both_copies(demo_registry, course_env) -> None:
    registry, _owned = demo_registry
    answer = course_env / "workspace" / "cleanup-demo" / "answer.txt"
    for attempt in ("first", "second"):
        answer.parent.mkdir(parents=True, exist_ok=True)
        answer.write_text(attempt)
        api.reset("cleanup-demo", registry=registry)
    kept = sorted(p.read_text() for p in (course_env / "workspace" / ".trash").rglob("answer.txt"))
    assert {"first", "second"} <= set(kept)
