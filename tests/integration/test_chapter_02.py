"""Chapter 02's check kinds (checker/kinds/build.py, image_runs.py, dockerfile_text.py, layers.py) against the real daemon.

Each kind passes on the right state and fails with a message that says what
is wrong. Builds start FROM busybox:1.35 or python:3.11-slim and never touch
the network, so they take a moment. Every image a test tags is registered
with `tracker`; the kinds remove the containers they run themselves, and the
tests assert that nothing labelled for this test exercise is left running.
"""
from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

import pytest

from checker.context import CheckContext
from checker.kinds import build, dockerfile_text, image_runs, layers
from checker.labels import EXERCISE as EXERCISE_LABEL
from checker.labels import MANAGED, course_labels

pytestmark = pytest.mark.docker

EXERCISE = "test-chapter-02"
HTTP_PORT = 8209  # a chapter-02 host port no exercise publishes
SERVER = 'ENTRYPOINT ["python3", "-m", "http.server"]\n'


@pytest.fixture
def ctx(tmp_path: Path) -> CheckContext:
    return CheckContext(EXERCISE, workdir=tmp_path)


def tag_for(tracker, what: str) -> str:
    """A unique owned tag, registered for removal before anything is built."""
    tag = f"test02-{what}-{uuid.uuid4().hex[:6]}"
    tracker.images.append(tag)
    return tag


def write_context(root: Path, name: str, dockerfile: str, files: dict[str, str] | None = None) -> str:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    for relative, text in (files or {}).items():
        (folder / relative).write_text(text, encoding="utf-8")
    return name


def labelled_containers(docker_client) -> list[dict]:
    return docker_client.api.containers(all=True, filters={"label": [f"{MANAGED}=true", f"{EXERCISE_LABEL}={EXERCISE}"]})


# --- dockerfile_builds ------------------------------------------------------------------------


def test_dockerfile_builds_passes_and_labels_the_image(ctx, tracker, docker_client, tmp_path) -> None:
    context = write_context(tmp_path, "ok", "FROM busybox:1.35\nWORKDIR /srv\nCMD [\"ls\"]\n")
    tag = tag_for(tracker, "ok")
    outcome = build.dockerfile_builds(ctx, context=context, tag=tag)
    assert outcome.passed, outcome.message
    labels = docker_client.api.inspect_image(tag)["Config"]["Labels"]
    assert labels[MANAGED] == "true" and labels[EXERCISE_LABEL] == EXERCISE


def test_dockerfile_builds_names_the_failing_step_and_shows_the_log(ctx, tracker, docker_client, tmp_path) -> None:
    context = write_context(tmp_path, "runfails", "FROM busybox:1.35\nRUN echo visible-before-failing > /made && false\n")
    outcome = build.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "runfails"))
    assert not outcome.passed
    assert "The build failed at step 2/" in outcome.message
    assert "returned a non-zero code: 1" in outcome.message
    assert "Last lines of the build log" in outcome.message


def test_dockerfile_builds_explains_a_parse_error(ctx, tracker, tmp_path) -> None:
    context = write_context(tmp_path, "nodest", "FROM busybox:1.35\nCOPY app.py\n", {"app.py": "print()\n"})
    outcome = build.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "nodest"))
    assert not outcome.passed
    assert "could not read the Dockerfile" in outcome.message and "COPY requires at least two arguments" in outcome.message


def test_dockerfile_builds_explains_a_base_image_that_cannot_be_pulled(ctx, tracker, tmp_path) -> None:
    context = write_context(tmp_path, "nobase", "FROM course-no-such-base:0.0\nCMD [\"true\"]\n")
    outcome = build.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "nobase"))
    assert not outcome.passed
    assert "The base image of step 1/" in outcome.message and "is not available" in outcome.message
    assert "python:3.11-slim" in outcome.hint


def test_dockerfile_builds_is_bounded_in_time_and_leaves_no_container(ctx, tracker, docker_client, tmp_path) -> None:
    marker = f"started-{uuid.uuid4().hex[:8]}"
    context = write_context(tmp_path, "slow", f"FROM busybox:1.35\nRUN echo {marker} && sleep 300\n")
    outcome = build.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "slow"), timeout=4)
    assert not outcome.passed
    assert "did not finish within 4 s" in outcome.message and f"RUN echo {marker} && sleep 300" in outcome.message
    busy = [c for c in docker_client.api.containers(all=True) if marker in (c.get("Command") or "")]
    assert not busy, f"the build's container is still there: {busy}"


def test_dockerfile_builds_says_when_the_dockerfile_is_missing(ctx, tracker, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    outcome = build.dockerfile_builds(ctx, context="empty", tag=tag_for(tracker, "empty"))
    assert not outcome.passed and "There is no empty/Dockerfile yet" in outcome.message


# --- rebuild_reuses_cache ---------------------------------------------------------------------

MANIFEST = {"deps.txt": "one-dependency\n", "app.sh": "echo app\n"}
CACHE_FRIENDLY = "FROM busybox:1.35\nWORKDIR /app\nCOPY deps.txt .\nRUN cat deps.txt > /installed\nCOPY app.sh .\nCMD [\"sh\", \"app.sh\"]\n"
CACHE_HOSTILE = "FROM busybox:1.35\nWORKDIR /app\nCOPY . .\nRUN cat deps.txt > /installed\nCMD [\"sh\", \"app.sh\"]\n"


def test_rebuild_reuses_cache_passes_when_the_source_comes_last(ctx, tracker, tmp_path) -> None:
    context = write_context(tmp_path, "friendly", CACHE_FRIENDLY, MANIFEST)
    assert build.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "friendly")).passed
    outcome = build.rebuild_reuses_cache(ctx, context=context, change="app.sh", dependency="deps.txt")
    assert outcome.passed, outcome.message
    assert "came from the cache" in outcome.message and "COPY app.sh" in outcome.message


def test_rebuild_reuses_cache_fails_and_names_the_copy_that_broke_it(ctx, tracker, docker_client, tmp_path) -> None:
    context = write_context(tmp_path, "hostile", CACHE_HOSTILE, MANIFEST)
    assert build.dockerfile_builds(ctx, context=context, tag=tag_for(tracker, "hostile")).passed
    outcome = build.rebuild_reuses_cache(ctx, context=context, change="app.sh", dependency="deps.txt")
    assert not outcome.passed
    assert "ran again instead of coming from the cache" in outcome.message
    assert "The cache broke earlier, at step 3/" in outcome.message and "COPY . ." in outcome.message
    assert "what changes most goes last" in outcome.hint
    assert not labelled_containers(docker_client)


def test_rebuild_reuses_cache_fails_without_an_install_step(ctx, tracker, tmp_path) -> None:
    context = write_context(tmp_path, "noinstall", "FROM busybox:1.35\nWORKDIR /app\nCOPY . .\n", MANIFEST)
    outcome = build.rebuild_reuses_cache(ctx, context=context, change="app.sh", dependency="deps.txt")
    assert not outcome.passed and "No RUN step uses deps.txt" in outcome.message


# --- running the image: with and without arguments --------------------------------------------


@pytest.fixture
def server_images(ctx, tracker, tmp_path) -> dict[str, str]:
    """Three small HTTP servers: ENTRYPOINT + CMD, CMD only, and a shell-form ENTRYPOINT."""
    variants = {
        "split": f"FROM python:3.11-slim\n{SERVER}CMD [\"8000\"]\n",
        "cmdonly": "FROM python:3.11-slim\nCMD [\"python3\", \"-m\", \"http.server\", \"8000\"]\n",
        "shellform": "FROM python:3.11-slim\nENTRYPOINT python3 -m http.server\nCMD [\"9000\"]\n",
    }
    tags = {}
    for name, dockerfile in variants.items():
        tags[name] = tag_for(tracker, name)
        outcome = build.dockerfile_builds(ctx, context=write_context(tmp_path, name, dockerfile), tag=tags[name])
        assert outcome.passed, outcome.message
    return tags


def test_image_run_serves_http_with_and_without_arguments(ctx, server_images, docker_client) -> None:
    plain = image_runs.image_run_serves_http(ctx, image=server_images["split"], container_port=8000, host_port=HTTP_PORT, timeout=15)
    assert plain.passed, plain.message
    assert "ran `python3 -m http.server 8000`" in plain.message
    with_args = image_runs.image_run_serves_http(ctx, image=server_images["split"], args=["9000"], container_port=9000, host_port=HTTP_PORT, timeout=15)
    assert with_args.passed, with_args.message
    assert "ran `python3 -m http.server 9000`" in with_args.message
    assert not labelled_containers(docker_client)


def test_image_run_serves_http_explains_that_arguments_replace_cmd(ctx, server_images, docker_client) -> None:
    outcome = image_runs.image_run_serves_http(ctx, image=server_images["cmdonly"], args=["9000"], container_port=9000, host_port=HTTP_PORT, timeout=5)
    assert not outcome.passed
    assert "The run arguments replaced CMD" in outcome.message and "ran `9000`" in outcome.message
    assert not labelled_containers(docker_client)


def test_image_run_serves_http_flags_a_shell_form_entrypoint(ctx, server_images, docker_client) -> None:
    outcome = image_runs.image_run_serves_http(ctx, image=server_images["shellform"], args=["9000"], container_port=9000, host_port=HTTP_PORT, timeout=4)
    assert not outcome.passed
    assert "Port 9000 did not answer" in outcome.message and "ENTRYPOINT is in shell form" in outcome.message
    assert not labelled_containers(docker_client)


def test_effective_command_follows_docker_run_rules() -> None:
    config = {"Entrypoint": ["python3", "app.py"], "Cmd": ["8000"]}
    assert image_runs.effective_command(config, None) == ["python3", "app.py", "8000"]
    assert image_runs.effective_command(config, ["9000"]) == ["python3", "app.py", "9000"]
    assert image_runs.effective_command({"Cmd": ["python3", "app.py"]}, ["9000"]) == ["9000"]


# --- what an image holds ----------------------------------------------------------------------


@pytest.fixture
def file_image(ctx, tracker, tmp_path) -> str:
    tag = tag_for(tracker, "files")
    context = write_context(tmp_path, "files", "FROM busybox:1.35\nWORKDIR /app\nCOPY . .\n", {"keep.txt": "kept\n", ".env": "TOKEN=secret\n"})
    (tmp_path / "files" / ".dockerignore").write_text(".env\n", encoding="utf-8")
    assert build.dockerfile_builds(ctx, context=context, tag=tag).passed
    return tag


def test_image_lacks_path_passes_for_an_ignored_file_and_fails_for_a_copied_one(ctx, file_image, docker_client) -> None:
    assert image_runs.image_lacks_path(ctx, image=file_image, path="/app/.env").passed
    outcome = image_runs.image_lacks_path(ctx, image=file_image, path="/app/keep.txt")
    assert not outcome.passed and "/app/keep.txt is in the image" in outcome.message and ".dockerignore" in outcome.hint
    assert not labelled_containers(docker_client)


def test_image_run_prints_passes_and_fails(ctx, file_image, docker_client) -> None:
    passed = image_runs.image_run_prints(ctx, image=file_image, command=["cat", "/app/keep.txt"], contains="kept")
    assert passed.passed, passed.message
    failed = image_runs.image_run_prints(ctx, image=file_image, command=["cat", "/app/.env"], contains="TOKEN")
    assert not failed.passed and "exited with 1" in failed.message
    assert not labelled_containers(docker_client)


# --- dockerfile_avoids_mistakes ---------------------------------------------------------------

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
    outcome = dockerfile_text.dockerfile_avoids_mistakes(ctx, path="Dockerfile")
    assert not outcome.passed and outcome.message.startswith("3 mistakes remain")
    assert "line 2 `RUN apt-get update" in outcome.message and "reads packages.txt before the image has it" in outcome.message
    assert "line 4 `COPY app.py` has no destination" in outcome.message
    assert "line 5 `WORKDIR /app` comes after line 2" in outcome.message


def test_dockerfile_avoids_mistakes_passes_the_fixed_file_and_counts_what_remains(ctx, tmp_path) -> None:
    (tmp_path / "Dockerfile").write_text(FIXED_DOCKERFILE, encoding="utf-8")
    assert dockerfile_text.dockerfile_avoids_mistakes(ctx, path="Dockerfile").passed
    late_workdir = FIXED_DOCKERFILE.replace("WORKDIR /app\n", "").replace("COPY app.py .\n", "COPY app.py .\nWORKDIR /app\n")
    (tmp_path / "Dockerfile").write_text(late_workdir, encoding="utf-8")
    outcome = dockerfile_text.dockerfile_avoids_mistakes(ctx, path="Dockerfile")
    assert not outcome.passed and outcome.message.startswith("1 mistake remains") and "`WORKDIR /app` comes after" in outcome.message


# --- images are immutable ---------------------------------------------------------------------


@pytest.fixture
def edited_container(ctx, tracker, docker_client, tmp_path) -> tuple[str, str]:
    """An image with /srv/motd.txt, and a stopped container that deleted it and added /srv/note.txt."""
    tag = tag_for(tracker, "immutable")
    context = write_context(tmp_path, "immutable", "FROM busybox:1.35\nRUN mkdir -p /srv && echo original > /srv/motd.txt\n")
    assert build.dockerfile_builds(ctx, context=context, tag=tag).passed
    name = f"test02-edit-{uuid.uuid4().hex[:6]}"
    tracker.containers.append(name)
    docker_client.containers.run(tag, ["sh", "-c", "rm /srv/motd.txt && echo mine > /srv/note.txt"], name=name, labels=course_labels(EXERCISE))
    return name, tag


def test_container_diff_shows_passes_and_fails(ctx, edited_container) -> None:
    name, _ = edited_container
    assert layers.container_diff_shows(ctx, container=name, added=["/srv/note.txt"], deleted=["/srv/motd.txt"]).passed
    outcome = layers.container_diff_shows(ctx, container=name, added=["/srv/other.txt"])
    assert not outcome.passed and "does not show /srv/other.txt added" in outcome.message and "deleted /srv/motd.txt" in outcome.message
    missing = layers.container_diff_shows(ctx, container="test02-no-such-container", added=["/x"])
    assert not missing.passed and "There is no container named" in missing.message


def test_image_unchanged_by_container_passes_then_fails_after_docker_commit(ctx, tracker, edited_container) -> None:
    name, tag = edited_container
    kept = layers.image_unchanged_by_container(ctx, container=name, image=tag, present=["/srv/motd.txt"], absent=["/srv/note.txt"])
    assert kept.passed, kept.message
    original = ctx.container(name)["Image"]
    tracker.images.append(original)  # the tag moves away from it; remove it by id
    subprocess.run(["docker", "commit", name, tag], check=True, capture_output=True, timeout=60)
    ctx.refresh()
    moved = layers.image_unchanged_by_container(ctx, container=name, image=tag, present=["/srv/motd.txt"], absent=["/srv/note.txt"])
    assert not moved.passed
    assert f"`docker commit {name}` wrote a new image" in moved.message and "The original image did not change" in moved.message
