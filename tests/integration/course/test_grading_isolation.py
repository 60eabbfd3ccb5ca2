"""`grade --trusted --jobs N`: trusted parallel grading only with a root Docker daemon per worker, and a clear
refusal without. (Untrusted submissions are graded in sandboxes: test_grading_hostile.py.)

Two learners whose notebooks both create the container `hello-course` are
graded at the same time. On one shared daemon the second `docker run --name
hello-course` would hit a name conflict; with a daemon per worker both pass.
A third, blank, submission lands on a worker that already graded a solved one
and must still fail: the worker is wiped between submissions. Afterwards no
namespace, daemon, mount or scratch folder of the run is left.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import nbformat
import pytest

from checker import settings
from checker.registry import default_registry
from course.grading.headless import solved_copy
from course.grading.isolation import isolation_problem

from support import run_course

pytestmark = [pytest.mark.docker, pytest.mark.slow]

EXERCISE = "warmup-hello"
NOTEBOOK = settings.NOTEBOOKS_DIR / "00-start-here.ipynb"


def _netns() -> set[str]:
    proc = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    return {line.split()[0] for line in proc.stdout.splitlines() if line.strip()}


def _mounts() -> set[str]:
    return {line.split()[1] for line in Path("/proc/mounts").read_text().splitlines() if " /tmp/cg" in line}


def _write_submissions(folder: Path) -> list[Path]:
    starter = nbformat.read(str(NOTEBOOK), as_version=4)
    solved = solved_copy(starter, [default_registry().get(EXERCISE)])
    paths = []
    for name, nb in (("alice", solved), ("bob", solved), ("carol", starter)):
        path = folder / f"{name}.ipynb"
        nbformat.write(nb, str(path))
        paths.append(path)
    return paths


@pytest.mark.skipif(isolation_problem() is not None, reason=f"isolated workers unavailable here: {isolation_problem()}")
def test_two_workers_grade_the_same_container_name_in_parallel(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_course(
        "grade",
        *map(str, _write_submissions(tmp_path)),
        "--out",
        str(out),
        "--trusted",
        "--jobs",
        "2",
        "--timeout",
        "60",
        timeout=1500,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    book = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    assert book["workers"] == 2 and book["jobs"] == 2 and not book["grading_failed"]
    assert book["isolation"]["ready_s"] > 0
    learners = {entry["learner"]: entry for entry in book["learners"]}
    for name in ("alice", "bob"):
        (entry,) = learners[name]["exercises"]
        assert (entry["status"], entry["points"], entry["checks_passed"]) == ("passed", 1.0, 4), entry
    (carol,) = learners["carol"]["exercises"]
    assert (carol["status"], carol["points"]) == ("failed", 0.0)
    assert "There is no container named 'hello-course'" in carol["messages"][0]
    assert {p.stem for p in out.glob("*.html")} == {"alice", "bob", "carol"}
    # Torn down: no namespace, no scratch folder, no mount of the run is left.
    made = book["isolation"]
    assert len(made["namespaces"]) == 2 and made["scratch"].startswith("/tmp/cg")
    assert not set(made["namespaces"]) & _netns()
    assert not Path(made["scratch"]).exists()
    assert not [m for m in _mounts() if m.startswith(made["scratch"] + "/")]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True).stdout
    assert not [name for name in made["namespaces"] if name[:12] + "h" in links]
    nat = subprocess.run(["iptables", "-t", "nat", "-S", "POSTROUTING"], capture_output=True, text=True).stdout
    assert not [subnet for subnet in made["uplinks"] if subnet in nat]


def test_trusted_grading_runs_on_the_main_daemon(tmp_path: Path) -> None:
    """`--trusted --jobs 1`: no sandbox, the kernels run as the grader, on the main daemon, and grade the same."""
    out = tmp_path / "out"
    alice, _bob, carol = _write_submissions(tmp_path)
    proc = run_course("grade", str(alice), str(carol), "--out", str(out), "--trusted", "--timeout", "60", timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    book = json.loads((out / "gradebook.json").read_text(encoding="utf-8"))
    assert book["sandboxed"] is False and book["workers"] == 1 and not book["isolation"]
    learners = {entry["learner"]: entry["exercises"][0] for entry in book["learners"]}
    assert (learners["alice"]["status"], learners["alice"]["points"]) == ("passed", 1.0)
    assert (learners["carol"]["status"], learners["carol"]["points"]) == ("failed", 0.0)


def test_without_isolation_parallel_grading_refuses(tmp_path: Path) -> None:
    """No nsenter or dockerd on PATH: --jobs 2 must refuse, say why, and point to --jobs 1."""
    submission = tmp_path / "alice.ipynb"
    nbformat.write(nbformat.read(str(NOTEBOOK), as_version=4), str(submission))
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    out = tmp_path / "out"
    proc = run_course(
        "grade", str(submission), "--out", str(out), "--trusted", "--jobs", "2", env={"PATH": str(empty_path)}
    )
    assert proc.returncode == 2
    assert "--jobs 2 grades in parallel only with an isolated Docker daemon per worker" in proc.stderr
    assert "grade with --jobs 1" in proc.stderr
    assert not (out / "gradebook.csv").exists()


def test_without_sandboxes_grading_refuses_and_names_the_trusted_flag(tmp_path: Path) -> None:
    """No rootlesskit, slirp4netns or newuidmap on PATH: grading must refuse before anything runs, say what is
    missing and how to install it, and name --trusted as the only way to grade without a sandbox."""
    submission = tmp_path / "alice.ipynb"
    nbformat.write(nbformat.read(str(NOTEBOOK), as_version=4), str(submission))
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    out = tmp_path / "out"
    proc = run_course("grade", str(submission), "--out", str(out), env={"PATH": str(empty_path)})
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Grading runs every submission in a sandbox, and sandboxes cannot run here" in proc.stderr
    assert "rootlesskit" in proc.stderr and "python -m course.sandbox install" in proc.stderr
    assert "`grade --trusted` runs them as you, without a sandbox" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "gradebook.csv").exists()
