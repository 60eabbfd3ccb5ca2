"""The build kinds (checker/kinds/builds.py) against the real daemon: does it build, does a rebuild
hit the cache, which Dockerfile mistakes remain."""

from __future__ import annotations

import uuid

import pytest

from checker.kinds import builds
from checker.labels import EXERCISE as EXERCISE_LABEL
from checker.labels import MANAGED

from .helpers import labelled, tag_for, write_context

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-builds"


def test_dockerfile_builds_passes_and_labels_the_image(ctx, tracker, docker_client, tmp_path) -> None:
    context = write_context(tmp_path, "ok", 'FROM busybox:1.35\nWORKDIR /srv\nCMD ["ls"]\n')
    tag = tag_for(tracker, "ok")
    outcome = builds.dockerfile_builds(ctx, context=context, tag=tag)
    assert outcome.passed, outcome.message
    labels = docker_client.api.inspect_image(tag)["Config"]["Labels"]
    assert labels[MANAGED] == "true" and labels[EXERCISE_LABEL] == EXERCISE


def test_dockerfile_builds_names_the_failing_step_and_shows_the_log(ctx, tracker, docker_client, tmp_path) -> None:
    context = write_context(
        tmp_path, "runfails", "FROM busybox:1.35\nRUN echo visible-before-failing > /made && false\n"
    )
    outcome = builds.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "runfails"))
    assert not outcome.passed
    assert "The build failed at step 2/" in outcome.message
    assert "returned a non-zero code: 1" in outcome.message
    assert "Last lines of the build log" in outcome.message


def test_dockerfile_builds_explains_a_parse_error(ctx, tracker, tmp_path) -> None:
    context = write_context(tmp_path, "nodest", "FROM busybox:1.35\nCOPY app.py\n", {"app.py": "print()\n"})
    outcome = builds.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "nodest"))
    assert not outcome.passed
    assert (
        "could not read the Dockerfile" in outcome.message and "COPY requires at least two arguments" in outcome.message
    )


def test_dockerfile_builds_explains_a_base_image_that_cannot_be_pulled(ctx, tracker, tmp_path) -> None:
    context = write_context(tmp_path, "nobase", 'FROM course-no-such-base:0.0\nCMD ["true"]\n')
    outcome = builds.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "nobase"))
    assert not outcome.passed
    assert "The base image of step 1/" in outcome.message and "is not available" in outcome.message
    assert "python:3.11-slim" in outcome.hint


def test_dockerfile_builds_is_bounded_in_time_and_leaves_no_container(ctx, tracker, docker_client, tmp_path) -> None:
    marker = f"started-{uuid.uuid4().hex[:8]}"
    context = write_context(tmp_path, "slow", f"FROM busybox:1.35\nRUN echo {marker} && sleep 300\n")
    outcome = builds.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "slow"), timeout=4)
    assert not outcome.passed
    assert "did not finish within 4 s" in outcome.message and f"RUN echo {marker} && sleep 300" in outcome.message
    busy = [c for c in docker_client.api.containers(all=True) if marker in (c.get("Command") or "")]
    assert not busy, f"the build's container is still there: {busy}"


def test_dockerfile_builds_says_when_the_dockerfile_is_missing(ctx, tracker, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    outcome = builds.dockerfile_builds(ctx, context="empty", tag=tag_for(tracker, "empty"))
    assert not outcome.passed and "There is no empty/Dockerfile yet" in outcome.message


MANIFEST = {"deps.txt": "one-dependency\n", "app.sh": "echo app\n"}


CACHE_FRIENDLY = (
    "FROM busybox:1.35\nWORKDIR /app\nCOPY deps.txt .\nRUN cat deps.txt > /installed\n"
    'COPY app.sh .\nCMD ["sh", "app.sh"]\n'
)


CACHE_HOSTILE = 'FROM busybox:1.35\nWORKDIR /app\nCOPY . .\nRUN cat deps.txt > /installed\nCMD ["sh", "app.sh"]\n'


def test_rebuild_reuses_cache_passes_when_the_source_comes_last(ctx, tracker, tmp_path) -> None:
    context = write_context(tmp_path, "friendly", CACHE_FRIENDLY, MANIFEST)
    assert builds.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "friendly")).passed
    outcome = builds.rebuild_reuses_cache(ctx, context=context, change="app.sh", dependency="deps.txt")
    assert outcome.passed, outcome.message
    assert "came from the cache" in outcome.message and "COPY app.sh" in outcome.message


def test_rebuild_reuses_cache_fails_and_names_the_copy_that_broke_it(ctx, tracker, docker_client, tmp_path) -> None:
    context = write_context(tmp_path, "hostile", CACHE_HOSTILE, MANIFEST)
    assert builds.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "hostile")).passed
    outcome = builds.rebuild_reuses_cache(ctx, context=context, change="app.sh", dependency="deps.txt")
    assert not outcome.passed
    assert "ran again instead of coming from the cache" in outcome.message
    assert "The cache broke earlier, at step 3/" in outcome.message and "COPY . ." in outcome.message
    assert "what changes most goes last" in outcome.hint
    assert not labelled(docker_client, EXERCISE)


def test_rebuild_reuses_cache_fails_without_an_install_step(ctx, tracker, tmp_path) -> None:
    context = write_context(tmp_path, "noinstall", "FROM busybox:1.35\nWORKDIR /app\nCOPY . .\n", MANIFEST)
    outcome = builds.rebuild_reuses_cache(ctx, context=context, change="app.sh", dependency="deps.txt")
    assert not outcome.passed and "No RUN step uses deps.txt" in outcome.message


NOTES_DOCKERFILE = """FROM python:3.11-slim
RUN apt-get update && xargs apt-get install -y < packages.txt
COPY packages.txt ./
COPY app.py
WORKDIR /app
CMD ["8000"]
ENTRYPOINT ["python3", "app.py"]
"""


FIXED_DOCKERFILE = """FROM python:3.11-slim
WORKDIR /app
COPY packages.txt ./
RUN apt-get update \\
 && xargs apt-get install -y < packages.txt
COPY app.py .
CMD ["8000"]
ENTRYPOINT ["python3", "app.py"]
"""


def test_dockerfile_avoids_mistakes_names_each_of_the_three(ctx, tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text(NOTES_DOCKERFILE, encoding="utf-8")
    outcome = builds.dockerfile_avoids_mistakes(ctx, path="Dockerfile")
    assert not outcome.passed and outcome.message.startswith("3 mistakes remain")
    assert (
        "line 2 `RUN apt-get update" in outcome.message
        and "reads packages.txt before the image has it" in outcome.message
    )
    assert "line 4 `COPY app.py` has no destination" in outcome.message
    assert "line 5 `WORKDIR /app` comes after line 2" in outcome.message


def test_dockerfile_avoids_mistakes_passes_the_fixed_file_and_counts_what_remains(ctx, tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text(FIXED_DOCKERFILE, encoding="utf-8")
    assert builds.dockerfile_avoids_mistakes(ctx, path="Dockerfile").passed
    late_workdir = FIXED_DOCKERFILE.replace("WORKDIR /app\n", "").replace(
        "COPY app.py .\n", "COPY app.py .\nWORKDIR /app\n"
    )
    (tmp_path / "Dockerfile").write_text(late_workdir, encoding="utf-8")
    outcome = builds.dockerfile_avoids_mistakes(ctx, path="Dockerfile")
    assert (
        not outcome.passed
        and outcome.message.startswith("1 mistake remains")
        and "`WORKDIR /app` comes after" in outcome.message
    )
