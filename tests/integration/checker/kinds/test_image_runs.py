"""The kinds that run an image (checker/kinds/image_runs.py) against the real daemon: over HTTP,
with and without `docker run` arguments, and to print; every container they start is removed."""

from __future__ import annotations

import pytest

from checker.kinds import builds, image_runs

from .helpers import BUSYBOX, build_image, labelled, tag_for, unique, write_context

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-image-runs"


HTTP_PORT = 8209  # a chapter-02 host port no exercise publishes


SERVER = 'ENTRYPOINT ["python3", "-m", "http.server"]\n'


def test_image_serves_http_and_its_failure(docker_client, tracker, ctx) -> None:
    good, bad = f"{unique('serves')}:v1", f"{unique('silent')}:v1"
    build_image(
        docker_client,
        tracker,
        EXERCISE,
        good,
        f"FROM {BUSYBOX}\nRUN mkdir /site && echo served-ok > /site/index.html\n"
        'CMD ["httpd", "-f", "-p", "8000", "-h", "/site"]\n',
    )
    build_image(docker_client, tracker, EXERCISE, bad, f'FROM {BUSYBOX}\nCMD ["sleep", "300"]\n')
    assert image_runs.image_serves_http(ctx, image=good, container_port=8000, contains="served-ok").passed
    outcome = image_runs.image_serves_http(ctx, image=bad, container_port=8000, timeout=1.5)
    assert not outcome.passed and "did not serve / on port 8000" in outcome.message
    left = docker_client.containers.list(
        all=True, filters={"label": f"org.dockercourse.exercise={EXERCISE}", "ancestor": bad}
    )
    assert not left, "the probe container was not removed"


@pytest.fixture
def server_images(ctx, tracker, tmp_path) -> dict[str, str]:
    """Three small HTTP servers: ENTRYPOINT + CMD, CMD only, and a shell-form ENTRYPOINT."""
    variants = {
        "split": f'FROM python:3.11-slim\n{SERVER}CMD ["8000"]\n',
        "cmdonly": 'FROM python:3.11-slim\nCMD ["python3", "-m", "http.server", "8000"]\n',
        "shellform": 'FROM python:3.11-slim\nENTRYPOINT python3 -m http.server\nCMD ["9000"]\n',
    }
    tags = {}
    for name, dockerfile in variants.items():
        tags[name] = tag_for(tracker, name)
        outcome = builds.dockerfile_builds(ctx, context=write_context(tmp_path, name, dockerfile), tag=tags[name])
        assert outcome.passed, outcome.message
    return tags


def test_image_run_serves_http_with_and_without_arguments(ctx, server_images, docker_client) -> None:
    plain = image_runs.image_run_serves_http(
        ctx, image=server_images["split"], container_port=8000, host_port=HTTP_PORT, timeout=15
    )
    assert plain.passed, plain.message
    assert "ran `python3 -m http.server 8000`" in plain.message
    with_args = image_runs.image_run_serves_http(
        ctx, image=server_images["split"], args=["9000"], container_port=9000, host_port=HTTP_PORT, timeout=15
    )
    assert with_args.passed, with_args.message
    assert "ran `python3 -m http.server 9000`" in with_args.message
    assert not labelled(docker_client, EXERCISE)


def test_image_run_serves_http_explains_that_arguments_replace_cmd(ctx, server_images, docker_client) -> None:
    outcome = image_runs.image_run_serves_http(
        ctx, image=server_images["cmdonly"], args=["9000"], container_port=9000, host_port=HTTP_PORT, timeout=5
    )
    assert not outcome.passed
    assert "The run arguments replaced CMD" in outcome.message and "ran `9000`" in outcome.message
    assert not labelled(docker_client, EXERCISE)


def test_image_run_serves_http_flags_a_shell_form_entrypoint(ctx, server_images, docker_client) -> None:
    outcome = image_runs.image_run_serves_http(
        ctx, image=server_images["shellform"], args=["9000"], container_port=9000, host_port=HTTP_PORT, timeout=4
    )
    assert not outcome.passed
    assert "Port 9000 did not answer" in outcome.message and "ENTRYPOINT is in shell form" in outcome.message
    assert not labelled(docker_client, EXERCISE)


def test_effective_command_follows_docker_run_rules() -> None:
    config = {"Entrypoint": ["python3", "app.py"], "Cmd": ["8000"]}
    assert image_runs.effective_command(config, None) == ["python3", "app.py", "8000"]
    assert image_runs.effective_command(config, ["9000"]) == ["python3", "app.py", "9000"]
    assert image_runs.effective_command({"Cmd": ["python3", "app.py"]}, ["9000"]) == ["9000"]


def test_image_run_prints_passes_and_fails(ctx, file_image, docker_client) -> None:
    passed = image_runs.image_run_prints(ctx, image=file_image, command=["cat", "/app/keep.txt"], contains="kept")
    assert passed.passed, passed.message
    failed = image_runs.image_run_prints(ctx, image=file_image, command=["cat", "/app/.env"], contains="TOKEN")
    assert not failed.passed and "exited with 1" in failed.message
    assert not labelled(docker_client, EXERCISE)
