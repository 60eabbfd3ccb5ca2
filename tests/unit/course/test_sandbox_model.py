"""The sandbox's pure parts: names, state files and owners, what wipe keeps, the cgroup wrapper."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from course.sandbox import cgroups, model, processes
from course.sandbox.sandbox import _clear_home


def test_names_carry_the_prefix_and_nothing_else_matches() -> None:
    name = model.new_name()
    assert name.startswith("dcsb-") and model.is_sandbox_name(name)
    for other in ("dcsb-", "dcsb-xyz", "dcsbexp1", "cloudsdk", "dcsb-" + "a" * 17, "dcsb-abc/../x"):
        assert not model.is_sandbox_name(other)


def test_state_round_trips_and_knows_whether_its_owner_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "STATE_DIR", tmp_path / "sandboxes")
    me = os.getpid()
    state = model.SandboxState(
        name="dcsb-abc123",
        owner_pid=me,
        owner_start=model.process_start_time(me),
        uid=1234,
        subuid=(100000, 65536),
        cgroups=["/x"],
    )
    state.save()
    (loaded,) = model.all_states()
    assert loaded == state and loaded.owner_alive()
    assert loaded.docker_host == "unix:///run/user/1234/docker.sock"
    child = subprocess.Popen(["true"])
    child.wait()
    gone = model.SandboxState(name="dcsb-def456", owner_pid=child.pid, owner_start=state.owner_start)
    assert not gone.owner_alive()
    reused = model.SandboxState(name="dcsb-def456", owner_pid=me, owner_start=(state.owner_start or 0) + 1)
    assert not reused.owner_alive()  # same pid, another process
    (tmp_path / "sandboxes" / "dcsb-bad000.json").write_text("{not json")
    assert [s.name for s in model.all_states()] == ["dcsb-abc123"]
    state.forget()
    assert model.all_states() == []


def test_wipe_keeps_only_the_daemon_data_and_the_compose_plugin(tmp_path: Path) -> None:
    keep = [".local/share/docker/image/x", ".docker/cli-plugins/docker-compose"]
    drop = ["notes.txt", ".local/bin/tool", ".local/share/other/y", ".docker/config.json", "work/a/b"]
    for path in keep + drop:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("x")
    _clear_home(tmp_path)
    assert [p for p in keep if (tmp_path / p).exists()] == keep
    assert [p for p in drop if (tmp_path / p).exists()] == []


def test_commands_join_every_cgroup_before_they_run() -> None:
    argv = cgroups.wrap("dcsb-abc123", ["echo", "a b"])
    assert argv[:2] == ["sh", "-c"] and argv[3:] == ["sh", "echo", "a b"]
    for controller in model.CONTROLLERS:
        assert f"/sys/fs/cgroup/{controller}/docker-course/dcsb-abc123/cgroup.procs" in argv[2]
    assert argv[2].endswith('exec "$@"')


def test_a_process_outside_any_daemon_is_a_stray() -> None:
    assert processes.role(os.getpid(), set()) == "stray"
    assert processes.role(os.getpid(), {os.getppid()}) == "daemon"
