"""The multi-stage kinds (checker/kinds/image_stages.py) against the real daemon: stage sizes from the build,
build tools in the final filesystem, and what the image's own command prints."""

from __future__ import annotations

import pytest

from checker.kinds import builds, image_stages

from .helpers import BUSYBOX, build_image, labelled, tag_for, write_context

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-image-stages"
BIG = "python:3.11-slim"  # a big first stage that needs no package archive


def _built(ctx, tracker, tmp_path, name: str, dockerfile: str) -> tuple[str, str]:
    tag = tag_for(tracker, name)
    context = write_context(tmp_path, name, dockerfile)
    outcome = builds.dockerfile_builds(ctx, context=context, tag=tag)
    assert outcome.passed, outcome.message
    return context, tag


def test_build_stages_slim_passes_for_a_small_final_stage(ctx, tracker, tmp_path) -> None:
    dockerfile = (
        f"FROM {BIG} AS build\nRUN echo built > /result.txt\n"
        f'FROM {BUSYBOX}\nCOPY --from=build /result.txt /result.txt\nCMD ["cat", "/result.txt"]\n'
    )
    context, tag = _built(ctx, tracker, tmp_path, "two-stages", dockerfile)
    outcome = image_stages.build_stages_slim(ctx, context=context, image=tag)
    assert outcome.passed and "2 stages" in outcome.message, outcome.message


def test_build_stages_slim_fails_for_one_stage(ctx, tracker, tmp_path) -> None:
    context, tag = _built(ctx, tracker, tmp_path, "one-stage", f"FROM {BIG}\nRUN echo built > /result.txt\n")
    outcome = image_stages.build_stages_slim(ctx, context=context, image=tag)
    assert not outcome.passed and "The Dockerfile has one stage" in outcome.message


def test_build_stages_slim_names_a_final_stage_that_starts_from_the_build_stage(ctx, tracker, tmp_path) -> None:
    dockerfile = f'FROM {BIG} AS build\nRUN echo built > /result.txt\nFROM build\nCMD ["cat", "/result.txt"]\n'
    context, tag = _built(ctx, tracker, tmp_path, "from-build", dockerfile)
    ctx.builds.clear()  # the kind rebuilds (from the cache) when it runs alone
    outcome = image_stages.build_stages_slim(ctx, context=context, image=tag)
    assert not outcome.passed and "The final stage starts `FROM build`" in outcome.message, outcome.message


def test_image_lacks_programs_reads_the_whole_filesystem(ctx, tracker, docker_client) -> None:
    clean, tooled = tag_for(tracker, "clean"), tag_for(tracker, "tooled")
    build_image(docker_client, tracker, EXERCISE, clean, f"FROM {BUSYBOX}\n")
    build_image(
        docker_client, tracker, EXERCISE, tooled, f"FROM {BUSYBOX}\nRUN mkdir -p /usr/bin && touch /usr/bin/gcc\n"
    )
    assert image_stages.image_lacks_programs(ctx, image=clean, programs=["gcc", "cc"]).passed
    outcome = image_stages.image_lacks_programs(ctx, image=tooled, programs=["gcc", "cc"])
    assert not outcome.passed and "still holds build tools: /usr/bin/gcc" in outcome.message
    assert not labelled(docker_client, EXERCISE)


def test_image_run_default_prints_and_explains_a_missing_loader(ctx, tracker, docker_client) -> None:
    good, dynamic = tag_for(tracker, "prints"), tag_for(tracker, "dynamic")
    build_image(docker_client, tracker, EXERCISE, good, f'FROM {BUSYBOX}\nCMD ["echo", "hello there"]\n')
    build_image(
        docker_client,
        tracker,
        EXERCISE,
        dynamic,
        f'FROM {BIG} AS src\nFROM {BUSYBOX}\nCOPY --from=src /usr/bin/true /usr/local/bin/mytrue\nCMD ["mytrue"]\n',
    )
    assert image_stages.image_run_default_prints(ctx, image=good, contains="hello there").passed
    outcome = image_stages.image_run_default_prints(ctx, image=dynamic, contains="anything")
    assert not outcome.passed and "its loader is missing" in outcome.message, outcome.message
    assert not labelled(docker_client, EXERCISE)
