"""The course verifies itself, and leaves everything it did not create untouched.

`verify` is the honest test of every exercise: the starter fails, the
reference solution passes, and each known wrong answer fails with its
expected message. Decoys (unlabelled resources with names no exercise uses)
must survive solve, check, reset --all and verify.
"""
from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from support import run_course

from checker.registry import default_registry

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def decoys(docker_client, tracker):
    """Unlabelled resources of every type, as a learner's own work would be."""
    tag = uuid.uuid4().hex[:8]
    container = docker_client.containers.run("busybox:1.35", "sleep 600", name=f"decoy-{tag}", detach=True)
    tracker.containers.append(container.id)
    stopped = docker_client.containers.create("busybox:1.35", "true", name=f"decoy-stopped-{tag}")
    tracker.containers.append(stopped.id)
    docker_client.images.get("busybox:1.35").tag(f"decoy-{tag}", "v1")
    tracker.images.append(f"decoy-{tag}:v1")
    network = docker_client.networks.create(f"decoy-{tag}")
    tracker.networks.append(network.id)
    volume = docker_client.volumes.create(f"decoy-{tag}")
    tracker.volumes.append(volume.name)
    return {"container": container.id, "stopped": stopped.id, "image": f"decoy-{tag}:v1", "network": network.id, "volume": volume.name}


def _assert_decoys_survive(client, decoys) -> None:
    running = client.api.inspect_container(decoys["container"])
    assert running["State"]["Running"], "a running decoy container was stopped"
    client.api.inspect_container(decoys["stopped"])
    client.api.inspect_image(decoys["image"])
    client.api.inspect_network(decoys["network"])
    client.api.inspect_volume(decoys["volume"])


def test_verify_every_exercise_and_touch_no_decoy(docker_client, decoys) -> None:
    first = default_registry().exercises[0].id
    assert run_course("solve", first).returncode == 0
    assert run_course("check", first).returncode == 0
    reset = run_course("reset", "--all")
    assert reset.returncode == 0, reset.stderr
    _assert_decoys_survive(docker_client, decoys)

    proc = run_course("verify", "--json", timeout=3000)
    report = json.loads(proc.stdout)
    failures = {e["exercise"]: e["problems"] for e in report["exercises"] if not e["ok"]}
    assert not failures, json.dumps(failures, indent=2)
    assert proc.returncode == 0 and report["ok"]
    assert {e["exercise"] for e in report["exercises"]} == {e.id for e in default_registry().exercises}
    _assert_decoys_survive(docker_client, decoys)


def test_verify_of_one_chapter_only_runs_that_chapter() -> None:
    proc = run_course("verify", "--chapter", "0", "--json")
    report = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stdout
    assert {e["exercise"] for e in report["exercises"]} == {e.id for e in default_registry().chapter(0)}


def test_verify_fails_when_a_solution_is_wrong(tmp_path: Path) -> None:
    """verify must be able to fail: a chapter whose 'solution' is really a wrong answer."""
    source = (Path(__file__).resolve().parents[2] / "course" / "exercises" / "00-start-here.toml").read_text()
    broken = source.replace('echo "Hello, Docker!"\'\n\n[[exercise.wrong]]', 'echo "Hello"\'\n\n[[exercise.wrong]]', 1)
    assert broken != source
    (tmp_path / "00-start-here.toml").write_text(broken)
    proc = run_course("verify", "--chapter", "0", "--json", env={"COURSE_EXERCISES_DIR": str(tmp_path)})
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and not report["ok"]
    assert any("reference solution fails" in p for e in report["exercises"] for p in e["problems"])


def test_the_course_never_prunes() -> None:
    root = Path(__file__).resolve().parents[2]
    for path in [*root.glob("checker/**/*.py"), *root.glob("course/**/*.py")]:
        code = path.read_text()
        assert ".prune(" not in code and "system prune" not in code.replace("`docker system prune`", ""), path
