"""The hardening kinds (checker/kinds/hardening.py) against the real daemon: image labels, a read-only root
filesystem with a tmpfs, and writes tried from inside the container."""

from __future__ import annotations

import pytest

from checker.kinds import hardening

from .helpers import BUSYBOX, build_image, run_sleeper, tag_for, unique

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-hardening"
LABELS = {"org.opencontainers.image.title": "demo", "org.opencontainers.image.version": "1.0"}


def test_image_labels(ctx, tracker, docker_client) -> None:
    labelled_image, bare = tag_for(tracker, "labels"), tag_for(tracker, "nolabels")
    build_image(
        docker_client,
        tracker,
        EXERCISE,
        labelled_image,
        f'FROM {BUSYBOX}\nLABEL org.opencontainers.image.title="demo" org.opencontainers.image.version="1.0"\n',
    )
    build_image(docker_client, tracker, EXERCISE, bare, f'FROM {BUSYBOX}\nLABEL title="demo"\n')
    assert hardening.image_labels(ctx, image=labelled_image, labels=LABELS).passed
    outcome = hardening.image_labels(ctx, image=bare, labels=LABELS)
    assert not outcome.passed and "Label org.opencontainers.image.title is missing (and 1 more)" in outcome.message
    assert "title=demo" in outcome.message


def test_container_read_only_and_writes(ctx, tracker, docker_client) -> None:
    good = unique("ro-good")
    run_sleeper(docker_client, tracker, good, EXERCISE, read_only=True, tmpfs={"/tmp": ""})
    assert hardening.container_read_only(ctx, container=good, writable=["/tmp"]).passed
    outcome = hardening.container_writes_only_to(ctx, container=good, writable=["/tmp"], read_only=["/etc", "/bin"])
    assert outcome.passed, outcome.message


def test_container_read_only_fails_a_writable_root(ctx, tracker, docker_client) -> None:
    name = unique("ro-writable")
    run_sleeper(docker_client, tracker, name, EXERCISE, tmpfs={"/tmp": ""})
    outcome = hardening.container_read_only(ctx, container=name, writable=["/tmp"])
    assert not outcome.passed and "Its root filesystem is writable" in outcome.message
    outcome = hardening.container_writes_only_to(ctx, container=name, writable=["/tmp"], read_only=["/etc"])
    assert not outcome.passed and "its root filesystem is writable" in outcome.message


def test_container_read_only_fails_without_a_tmpfs(ctx, tracker, docker_client) -> None:
    bare, volume = unique("ro-bare"), unique("ro-volume")
    tracker.volumes.append(volume)
    run_sleeper(docker_client, tracker, bare, EXERCISE, read_only=True)
    run_sleeper(docker_client, tracker, unique("ro-vol"), EXERCISE, read_only=True, volumes={volume: {"bind": "/tmp"}})
    outcome = hardening.container_read_only(ctx, container=bare, writable=["/tmp"])
    assert not outcome.passed and "Nothing is mounted at /tmp" in outcome.message
    outcome = hardening.container_writes_only_to(ctx, container=bare, writable=["/tmp"], read_only=["/etc"])
    assert (
        not outcome.passed
        and "Writing in /tmp inside" in outcome.message
        and "Read-only file system" in outcome.message
    )
    vol_container = tracker.containers[-1]
    outcome = hardening.container_read_only(ctx, container=vol_container, writable=["/tmp"])
    assert not outcome.passed and "/tmp is a volume mount, not a tmpfs" in outcome.message
