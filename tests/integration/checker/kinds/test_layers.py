"""The layer kinds (checker/kinds/layers.py) against the real daemon: a container's own writable
layer, and an image that no container can change."""

from __future__ import annotations

import subprocess
import uuid

import pytest

from checker.kinds import builds, layers
from checker.labels import course_labels

from .helpers import run_sleeper, tag_for, unique, write_context

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-layers"


def test_writable_layer_tells_containers_apart(docker_client, tracker, ctx) -> None:
    one, other = unique("layer-a"), unique("layer-b")
    first = run_sleeper(docker_client, tracker, one, EXERCISE)
    run_sleeper(docker_client, tracker, other, EXERCISE)
    first.exec_run(["sh", "-c", "echo hi > /marker.txt"])
    assert layers.writable_layer(ctx, container=one, path="/marker.txt").passed
    assert layers.writable_layer(ctx, container=other, path="/marker.txt", present=False).passed
    absent = layers.writable_layer(ctx, container=other, path="/marker.txt")
    assert not absent.passed and "is not in" in absent.message
    shared = layers.writable_layer(ctx, container=one, path="/marker.txt", present=False)
    assert not shared.passed and "writable layer too" in shared.message


@pytest.fixture
def edited_container(ctx, tracker, docker_client, tmp_path) -> tuple[str, str]:
    """An image with /srv/motd.txt, and a stopped container that deleted it and added /srv/note.txt."""
    tag = tag_for(tracker, "immutable")
    context = write_context(
        tmp_path, "immutable", "FROM busybox:1.35\nRUN mkdir -p /srv && echo original > /srv/motd.txt\n"
    )
    assert builds.dockerfile_builds(ctx, context=context, tag=tag).passed
    name = f"test02-edit-{uuid.uuid4().hex[:6]}"
    tracker.containers.append(name)
    docker_client.containers.run(
        tag, ["sh", "-c", "rm /srv/motd.txt && echo mine > /srv/note.txt"], name=name, labels=course_labels(EXERCISE)
    )
    return name, tag


def test_container_diff_shows_passes_and_fails(ctx, edited_container) -> None:
    name, _ = edited_container
    assert layers.container_diff_shows(ctx, container=name, added=["/srv/note.txt"], deleted=["/srv/motd.txt"]).passed
    outcome = layers.container_diff_shows(ctx, container=name, added=["/srv/other.txt"])
    assert (
        not outcome.passed
        and "does not show /srv/other.txt added" in outcome.message
        and "deleted /srv/motd.txt" in outcome.message
    )
    missing = layers.container_diff_shows(ctx, container="test02-no-such-container", added=["/x"])
    assert not missing.passed and "There is no container named" in missing.message


def test_image_unchanged_by_container_passes_then_fails_after_docker_commit(ctx, tracker, edited_container) -> None:
    name, tag = edited_container
    kept = layers.image_unchanged_by_container(
        ctx, container=name, image=tag, present=["/srv/motd.txt"], absent=["/srv/note.txt"]
    )
    assert kept.passed, kept.message
    original = ctx.container(name).image_id
    tracker.images.append(original)  # the tag moves away from it; remove it by id
    subprocess.run(["docker", "commit", name, tag], check=True, capture_output=True, timeout=60)
    ctx.refresh()
    moved = layers.image_unchanged_by_container(
        ctx, container=name, image=tag, present=["/srv/motd.txt"], absent=["/srv/note.txt"]
    )
    assert not moved.passed
    assert (
        f"`docker commit {name}` wrote a new image" in moved.message
        and "The original image did not change" in moved.message
    )
