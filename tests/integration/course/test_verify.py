"""The course verifies itself, and leaves everything it did not create untouched.

`verify` is the honest test of every exercise: the starter fails, the
reference solution passes, and each known wrong answer fails with its
expected message. Decoys (unlabelled resources with names no exercise uses)
are created once for this module and must survive solve, check, reset --all,
the verify of every chapter, and grading.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import docker.errors
import pytest

from checker import settings
from checker.registry import default_registry

from support import run_course, verify_with_a_wrong_solution

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CHAPTERS = sorted({e.chapter for e in default_registry().exercises})
# Korean: the same exercises, so the suite verifies two chapters in Korean too (their notebooks headless in
# Korean, wrong answers failing with their Korean message); `verify --lang ko` does them all (docs/performance.md).
KOREAN_CHAPTERS = (0, 5)


@pytest.fixture(scope="module")
def decoys(docker_client):
    """Unlabelled resources of every type, as a learner's own work would be."""
    tag = uuid.uuid4().hex[:8]
    created: dict[str, str] = {}
    try:
        created["container"] = docker_client.containers.run(
            "busybox:1.35", "sleep 3000", name=f"decoy-{tag}", detach=True
        ).id
        created["stopped"] = docker_client.containers.create("busybox:1.35", "true", name=f"decoy-stopped-{tag}").id
        docker_client.images.get("busybox:1.35").tag(f"decoy-{tag}", "v1")
        created["image"] = f"decoy-{tag}:v1"
        created["network"] = docker_client.networks.create(f"decoy-{tag}").id
        created["volume"] = docker_client.volumes.create(f"decoy-{tag}").name
        yield created
    finally:
        api = docker_client.api
        for remove, key in (
            (lambda i: api.remove_container(i, force=True), "container"),
            (lambda i: api.remove_container(i, force=True), "stopped"),
            (lambda i: api.remove_image(i, force=True), "image"),
            (api.remove_network, "network"),
            (lambda i: api.remove_volume(i, force=True), "volume"),
        ):
            if key in created:
                try:
                    remove(created[key])
                except docker.errors.NotFound:
                    pass


def _assert_decoys_survive(client, decoys) -> None:
    running = client.api.inspect_container(decoys["container"])
    assert running["State"]["Running"], "a running decoy container was stopped"
    client.api.inspect_container(decoys["stopped"])
    client.api.inspect_image(decoys["image"])
    client.api.inspect_network(decoys["network"])
    client.api.inspect_volume(decoys["volume"])


def test_solve_check_and_reset_all_spare_decoys(docker_client, decoys) -> None:
    first = default_registry().exercises[0].id
    assert run_course("solve", first).returncode == 0
    assert run_course("check", first).returncode == 0
    reset = run_course("reset", "--all")
    assert reset.returncode == 0, reset.stderr
    _assert_decoys_survive(docker_client, decoys)


@pytest.mark.parametrize(
    ("chapter", "lang"),
    [*((n, "en") for n in CHAPTERS), *((n, "ko") for n in KOREAN_CHAPTERS)],
    ids=lambda value: f"chapter_{value}" if isinstance(value, int) else value,
)
def test_verify_chapter(chapter: int, lang: str, docker_client, decoys) -> None:
    proc = run_course("--lang", lang, "verify", "--chapter", str(chapter), "--json", timeout=3000)
    assert proc.stdout.strip(), f"verify printed no report (exit {proc.returncode}): {proc.stderr[-2000:]}"
    report = json.loads(proc.stdout)
    failures = {e["exercise"]: e["problems"] for e in report["exercises"] if not e["ok"]}
    assert not failures, json.dumps(failures, indent=2)
    assert proc.returncode == 0 and report["ok"]
    assert {e["exercise"] for e in report["exercises"]} == {e.id for e in default_registry().chapter(chapter)}
    _assert_decoys_survive(docker_client, decoys)


def test_grading_spares_decoys(docker_client, decoys, tmp_path: Path) -> None:
    import nbformat

    from course.grading.headless import solved_copy

    notebook = settings.NOTEBOOKS_DIR / "00-start-here.ipynb"
    solved = solved_copy(nbformat.read(str(notebook), as_version=4), default_registry().chapter(0))
    submission = tmp_path / "decoy-learner.ipynb"
    nbformat.write(solved, str(submission))
    proc = run_course("grade", str(submission), "--out", str(tmp_path / "out"), timeout=900)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    gradebook = json.loads((tmp_path / "out" / "gradebook.json").read_text())
    learner = gradebook["learners"][0]
    assert learner["total"] == learner["max"] > 0, learner
    _assert_decoys_survive(docker_client, decoys)


def test_decoys_survive_everything(docker_client, decoys) -> None:
    assert run_course("reset", "--all").returncode == 0
    _assert_decoys_survive(docker_client, decoys)


def test_verify_fails_when_a_solution_is_wrong(tmp_path: Path) -> None:
    """verify must be able to fail: a chapter whose 'solution' is really a wrong answer."""
    proc = verify_with_a_wrong_solution(tmp_path)
    report = json.loads(proc.stdout)
    assert proc.returncode == 1 and not report["ok"]
    assert any("reference solution fails" in p for e in report["exercises"] for p in e["problems"])


def test_the_course_never_prunes() -> None:
    root = settings.REPO_ROOT
    for path in [*root.glob("checker/**/*.py"), *root.glob("course/**/*.py")]:
        code = path.read_text()
        assert ".prune(" not in code and "system prune" not in code.replace("`docker system prune`", ""), path
