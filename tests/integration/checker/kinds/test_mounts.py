"""The mount kinds (checker/kinds/mounts.py) against the real daemon: a bind mount served live,
and named against anonymous volumes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from checker.kinds import mounts
from checker.labels import course_labels

from .helpers import BUSYBOX, unique

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-mounts"


def test_bind_mount_live(docker_client, tracker, ctx, tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    site.chmod(0o777)
    bound, copied = unique("live"), unique("copied")
    tracker.containers += [bound, copied]
    common = dict(
        command=["httpd", "-f", "-p", "8000", "-h", "/site"],
        detach=True,
        labels=course_labels(EXERCISE),
        ports={"8000/tcp": ("127.0.0.1", None)},
    )
    docker_client.containers.run(BUSYBOX, name=bound, volumes={str(site): {"bind": "/site", "mode": "ro"}}, **common)
    docker_client.containers.run(BUSYBOX, name=copied, **common)
    port = int(docker_client.api.port(bound, 8000)[0]["HostPort"])
    assert mounts.bind_mount_live(ctx, container=bound, destination="/site", port=port).passed
    assert list(site.iterdir()) == [], "the test file must be removed again"
    outcome = mounts.bind_mount_live(ctx, container=copied, destination="/site", port=port)  # fails before any request
    assert not outcome.passed and "No host folder is bind-mounted at /site" in outcome.message


def test_mount_is_named_volume_passes_and_names_an_anonymous_volume(ctx, docker_client, tracker) -> None:
    tag = uuid.uuid4().hex[:6]
    named, anonymous, volume = f"test07-named-{tag}", f"test07-anon-{tag}", f"test07-vol-{tag}"
    tracker.containers += [named]
    tracker.volumes.append(volume)
    labels = course_labels(EXERCISE)
    docker_client.containers.create(
        "busybox:1.35", "true", name=named, labels=labels, volumes={volume: {"bind": "/data", "mode": "rw"}}
    )
    container = docker_client.containers.create(
        "registry:2.8", name=anonymous, labels=labels
    )  # VOLUME /var/lib/registry
    try:
        assert mounts.mount_is_named_volume(ctx, container=named, destination="/data", volume=volume).passed
        outcome = mounts.mount_is_named_volume(ctx, container=anonymous, destination="/var/lib/registry", volume=volume)
        assert not outcome.passed
        assert "an anonymous volume" in outcome.message
        missing = mounts.mount_is_named_volume(ctx, container=named, destination="/srv", volume=volume)
        assert "Nothing is mounted at /srv" in missing.message
    finally:
        container.remove(force=True, v=True)  # v: its anonymous volume goes with it
