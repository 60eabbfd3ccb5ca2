"""The ownership kinds (checker/kinds/ownership.py) against the real daemon: who a container runs as, who owns a
file as the container sees it, and whether its user may write into a folder (and everyone else may not)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from checker.kinds import ownership
from checker.labels import course_labels

from .helpers import BUSYBOX, unique

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-ownership"


def _prepared(client, folder: Path, script: str) -> None:
    """Set the folder up as root inside a container: works whatever the daemon maps uids to."""
    client.containers.run(
        BUSYBOX,
        ["sh", "-c", script],
        remove=True,
        labels=course_labels(EXERCISE),
        volumes={str(folder): {"bind": "/w"}},
    )


def _writer(client, tracker, folder: Path, user: str | None) -> str:
    name = unique("t8-owner")
    tracker.containers.append(name)
    client.containers.run(
        BUSYBOX,
        ["sh", "-c", "touch /w/report.txt; exec sleep 300"],
        name=name,
        user=user or "",
        detach=True,
        labels=course_labels(EXERCISE),
        volumes={str(folder): {"bind": "/w"}},
    )
    time.sleep(0.3)
    return name


def test_container_user(docker_client, tracker, ctx, tmp_path: Path) -> None:
    named = _writer(docker_client, tracker, tmp_path, "1000:1000")
    alone = _writer(docker_client, tracker, tmp_path, "1000")
    root = _writer(docker_client, tracker, tmp_path, None)
    assert ownership.container_user(ctx, container=named, user="1000:1000").passed
    no_group = ownership.container_user(ctx, container=alone, user="1000:1000")
    assert not no_group.passed and "with no group" in no_group.message
    as_root = ownership.container_user(ctx, container=root, user="1000:1000")
    assert not as_root.passed and "It runs as root" in as_root.message


def test_path_owner_and_user_can_write(docker_client, tracker, ctx, tmp_path: Path) -> None:
    given, opened, closed = tmp_path / "given", tmp_path / "opened", tmp_path / "closed"
    for folder in (given, opened, closed):
        folder.mkdir()
        folder.chmod(0o777)  # so that a rootless daemon's root may change it; each test sets its own mode below
    _prepared(docker_client, given, "chown 1000:1000 /w && chmod 755 /w")
    _prepared(docker_client, opened, "chown 0:0 /w && chmod 777 /w")
    _prepared(docker_client, closed, "chown 0:0 /w && chmod 755 /w")
    good = _writer(docker_client, tracker, given, "1000:1000")
    everyone = _writer(docker_client, tracker, opened, "1000:1000")
    refused = _writer(docker_client, tracker, closed, "1000:1000")
    assert ownership.path_owner(ctx, container=good, path="/w/report.txt", owner="1000:1000").passed
    other = ownership.path_owner(ctx, container=good, path="/w/report.txt", owner="0:0")
    assert not other.passed and "belongs to 1000:1000" in other.message
    assert "There is no /w/none" in ownership.path_owner(ctx, container=good, path="/w/none", owner="0:0").message
    assert ownership.user_can_write(ctx, container=good, folder="/w").passed
    world = ownership.user_can_write(ctx, container=everyone, folder="/w")
    assert not world.passed and "is world-writable (mode 777)" in world.message
    denied = ownership.user_can_write(ctx, container=refused, folder="/w")
    assert not denied.passed and "Permission denied" in denied.message and "0:0 755" in denied.message
    _prepared(docker_client, tmp_path, "rm -rf /w/given /w/opened /w/closed")  # files of other uids
