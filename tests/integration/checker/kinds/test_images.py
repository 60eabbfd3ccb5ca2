"""The image kinds (checker/kinds/images.py) against the real daemon: tags, and what the layers hold."""

from __future__ import annotations

import pytest

from checker.kinds import builds, images

from .helpers import BUSYBOX, build_image, labelled, tag_for, unique, write_context

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-images"


def test_image_tagged_names_the_tags_that_exist(docker_client, tracker, ctx) -> None:
    repository = unique("tagged")
    build_image(docker_client, tracker, EXERCISE, f"{repository}:latest", f"FROM {BUSYBOX}\n")
    assert images.image_tagged(ctx, image=f"{repository}:latest").passed
    outcome = images.image_tagged(ctx, image=f"{repository}:v1")
    assert not outcome.passed and f"found {repository}:latest instead" in outcome.message


def test_image_lacks_path_passes_for_an_ignored_file_and_fails_for_a_copied_one(ctx, file_image, docker_client) -> None:
    assert images.image_lacks_path(ctx, image=file_image, path="/app/.env").passed
    outcome = images.image_lacks_path(ctx, image=file_image, path="/app/keep.txt")
    assert not outcome.passed and "/app/keep.txt is in the image" in outcome.message and ".dockerignore" in outcome.hint
    assert not labelled(docker_client, EXERCISE)


def test_image_lacks_path_fails_for_a_file_a_later_run_only_hides(ctx, tracker, tmp_path) -> None:
    tag = tag_for(tracker, "hidden")
    context = write_context(
        tmp_path, "hidden", "FROM busybox:1.35\nWORKDIR /app\nCOPY . .\nRUN rm .env\n", {".env": "TOKEN=secret\n"}
    )
    assert builds.dockerfile_builds(ctx, context=context, tag=tag).passed
    outcome = images.image_lacks_path(ctx, image=tag, path="/app/.env")
    assert not outcome.passed and "is hidden, not gone" in outcome.message and "`COPY " in outcome.message
