"""The volume kinds (checker/kinds/volumes.py) against the real daemon: named volumes, tmpfs, read-only mounts,
data shared between containers, data that outlives a container, and throwaway containers left behind."""

from __future__ import annotations

import time

import pytest

from checker.kinds import volumes
from checker.labels import course_labels

from .helpers import BUSYBOX, unique

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-volumes"


def _run(client, tracker, name: str, command: str = "sleep 300", **kwargs):
    tracker.containers.append(name)
    return client.containers.run(BUSYBOX, command, name=name, detach=True, labels=course_labels(EXERCISE), **kwargs)


def _volume(client, tracker, name: str) -> str:
    tracker.volumes.append(name)
    client.volumes.create(name, labels=course_labels(EXERCISE))
    return name


def test_volume_exists_and_absent(docker_client, tracker, ctx) -> None:
    name = _volume(docker_client, tracker, unique("t8-vol"))
    assert volumes.volume_exists(ctx, volume=name).passed
    missing = volumes.volume_exists(ctx, volume=name + "-nope")
    assert not missing.passed and f"There is no volume named '{name}-nope'" in missing.message
    still = volumes.volume_absent(ctx, volume=name, fix="down -v")
    assert not still.passed and f"The volume {name!r} still exists" in still.message and still.hint == "down -v"
    docker_client.volumes.get(name).remove()
    assert volumes.volume_absent(ctx, volume=name).passed


def test_tmpfs_mounted_both_spellings_and_a_volume_instead(docker_client, tracker, ctx) -> None:
    flag, mount, wrong = unique("t8-tmpfs"), unique("t8-mount"), unique("t8-notmpfs")
    _run(docker_client, tracker, flag, tmpfs={"/scratch": ""})
    _run(docker_client, tracker, mount, mounts=[_tmpfs_mount("/scratch")])
    volume = _volume(docker_client, tracker, unique("t8-scratch"))
    _run(docker_client, tracker, wrong, volumes={volume: {"bind": "/scratch", "mode": "rw"}})
    assert volumes.tmpfs_mounted(ctx, container=flag, destination="/scratch").passed
    assert volumes.tmpfs_mounted(ctx, container=mount, destination="/scratch").passed
    outcome = volumes.tmpfs_mounted(ctx, container=wrong, destination="/scratch")
    assert not outcome.passed and f"the volume {volume!r}, not a tmpfs" in outcome.message
    nothing = volumes.tmpfs_mounted(ctx, container=wrong, destination="/cache")
    assert not nothing.passed and "Nothing is mounted at /cache" in nothing.message


def _tmpfs_mount(target: str):
    from docker.types import Mount

    return Mount(target=target, source=None, type="tmpfs")


def test_read_only_mount_refuses_writes_and_shares_data(docker_client, tracker, ctx) -> None:
    volume = _volume(docker_client, tracker, unique("t8-feed"))
    writer, reader, open_reader = unique("t8-writer"), unique("t8-reader"), unique("t8-rw")
    _run(docker_client, tracker, writer, volumes={volume: {"bind": "/feed", "mode": "rw"}})
    _run(docker_client, tracker, reader, volumes={volume: {"bind": "/feed", "mode": "ro"}})
    _run(docker_client, tracker, open_reader, volumes={volume: {"bind": "/feed", "mode": "rw"}})
    assert volumes.mount_read_only(ctx, container=reader, destination="/feed").passed
    assert volumes.mount_read_only(ctx, container=writer, destination="/feed", read_only=False).passed
    rw = volumes.mount_read_only(ctx, container=open_reader, destination="/feed")
    assert not rw.passed and f"/feed in {open_reader} is read-write" in rw.message
    assert volumes.mount_refuses_writes(ctx, container=reader, destination="/feed").passed
    accepted = volumes.mount_refuses_writes(ctx, container=open_reader, destination="/feed")
    assert not accepted.passed and "succeeded" in accepted.message
    assert volumes.containers_share_data(ctx, container=writer, destination="/feed", reader=reader).passed
    alone = unique("t8-alone")
    _run(docker_client, tracker, alone)
    apart = volumes.containers_share_data(ctx, container=writer, destination="/feed", reader=alone)
    assert not apart.passed and "they do not share one volume" in apart.message
    listing = docker_client.containers.get(writer).exec_run(["ls", "-A", "/feed"]).output
    assert b".course-" not in listing, "the kinds remove what they wrote"


def test_volume_file_outlived_container(docker_client, tracker, ctx) -> None:
    volume = _volume(docker_client, tracker, unique("t8-keep"))
    name = unique("t8-keeper")
    first = _run(docker_client, tracker, name, volumes={volume: {"bind": "/data", "mode": "rw"}})
    first.exec_run(["sh", "-c", "echo kept > /data/note.txt"])
    same = volumes.volume_file_outlived_container(ctx, volume=volume, path="note.txt", contains="kept", container=name)
    assert not same.passed and "nothing has outlived a container yet" in same.message
    first.remove(force=True)
    time.sleep(0.05)
    _run(docker_client, tracker, name, volumes={volume: {"bind": "/data", "mode": "rw"}})
    ctx.refresh()
    assert volumes.volume_file_outlived_container(
        ctx, volume=volume, path="note.txt", contains="kept", container=name
    ).passed
    missing = volumes.volume_file_outlived_container(
        ctx, volume=volume, path="other.txt", contains="kept", container=name
    )
    assert not missing.passed and f"The volume {volume!r} has no other.txt" in missing.message


def test_container_lacks_path(docker_client, tracker, ctx) -> None:
    name = unique("t8-lacks")
    _run(docker_client, tracker, name, "sh -c 'echo x > /here; exec sleep 300'")
    time.sleep(0.3)
    assert volumes.container_lacks_path(ctx, container=name, path="/not-here").passed
    found = volumes.container_lacks_path(ctx, container=name, path="/here", why="it should be gone.")
    assert not found.passed and "/here exists inside" in found.message and "it should be gone." in found.message


def test_no_leftover_containers(docker_client, tracker, ctx, tmp_path) -> None:
    volume = _volume(docker_client, tracker, unique("t8-left"))
    assert volumes.no_leftover_containers(ctx, volume=volume).passed
    left = unique("t8-leftover")
    tracker.containers.append(left)
    docker_client.containers.run(
        BUSYBOX, "true", name=left, labels=course_labels(EXERCISE), volumes={volume: {"bind": "/data", "mode": "rw"}}
    )
    outcome = volumes.no_leftover_containers(ctx, volume=volume)
    assert not outcome.passed and f"still hold {volume}: {left} (exited)" in outcome.message
    folder = tmp_path / "reports"
    folder.mkdir()
    keep = unique("t8-keep")
    _run(docker_client, tracker, keep, volumes={str(folder): {"bind": "/reports", "mode": "rw"}})
    assert volumes.no_leftover_containers(ctx, folder="reports", allow=[keep]).passed
    assert not volumes.no_leftover_containers(ctx, folder="reports").passed
