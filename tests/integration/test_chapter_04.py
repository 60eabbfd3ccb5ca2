"""The Compose check kinds against the real daemon and real Compose v2: each one passes and fails.

One small project (web built from the chapter's Dockerfile, redis with a
healthcheck, a seed job, a failing job) is started once for the module and
always removed: `docker compose down -v --rmi local`, then by project label.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import docker.errors
import pytest

from checker.compose_project import PROJECT, run_compose
from checker.context import CheckContext
from checker.kinds import Outcome, get_kind

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[2]
APPS = REPO / "course" / "apps"
NAME = "compose-kindtest"
PORT = 8408

COMPOSE = f"""
name: {NAME}
services:
  redis:
    image: redis:7.0
    healthcheck:
      test: ["CMD", "redis-cli", "ping"]
      interval: 1s
      retries: 10
    volumes:
      - counter:/data
  seed:
    image: redis:7.0
    command: ["redis-cli", "-h", "redis", "set", "visits", "100", "NX"]
    depends_on:
      redis:
        condition: service_healthy
  web:
    build:
      context: ./web
      dockerfile: Dockerfile
    container_name: {NAME}-web
    ports:
      - "{PORT}:8000"
    environment:
      REDIS_HOST: redis
    volumes:
      - ./web:/app:ro
    restart: unless-stopped
    depends_on:
      redis:
        condition: service_healthy
      seed:
        condition: service_completed_successfully
  job:
    image: busybox:1.35
    command: ["sh", "-c", "exit 3"]
    restart: on-failure:1
volumes:
  counter:
"""


def run(kind: str, ctx: CheckContext, **params) -> Outcome:
    return get_kind(kind).func(ctx, **params)


def _remove_project(docker_client, folder: Path) -> None:
    run_compose(["down", "-v", "--rmi", "local", "--timeout", "1"], cwd=folder, project=NAME, timeout=120)
    api = docker_client.api
    for container in api.containers(all=True, filters={"label": [f"{PROJECT}={NAME}"]}):
        api.remove_container(container["Id"], force=True, v=True)
    for network in api.networks(filters={"label": [f"{PROJECT}={NAME}"]}):
        api.remove_network(network["Id"])
    for volume in api.volumes(filters={"label": [f"{PROJECT}={NAME}"]}).get("Volumes") or []:
        api.remove_volume(volume["Name"], force=True)
    try:
        api.remove_image(f"{NAME}-web", force=True)
    except docker.errors.ImageNotFound:
        pass


@pytest.fixture(scope="module")
def project(docker_client, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CheckContext]:
    """The project, up and settled; torn down even if a test fails."""
    workdir = tmp_path_factory.mktemp("chapter04")
    folder = workdir / "stack"
    (folder / "web").mkdir(parents=True)
    shutil.copy(APPS / "webapp" / "app.py", folder / "web")
    shutil.copy(APPS / "compose" / "Dockerfile", folder / "web")
    (folder / "compose.yaml").write_text(COMPOSE)
    (folder / "notes.yaml").write_text((APPS / "compose" / "notes-compose.yaml").read_text())
    try:
        up = run_compose(["up", "-d"], cwd=folder, project=NAME, timeout=300)
        assert up.returncode == 0, up.output
        yield CheckContext("compose-kindtest", workdir)
    finally:
        _remove_project(docker_client, folder)


def test_file_valid_passes_and_shows_composes_own_error(project: CheckContext) -> None:
    assert run("compose_file_valid", project, path="stack/compose.yaml", project=NAME).passed
    bad = project.path("stack/bad.yaml")
    bad.write_text(COMPOSE.replace("environment:", "envirionment:"))
    outcome = run("compose_file_valid", project, path="stack/bad.yaml", project=NAME)
    assert not outcome.passed and "'envirionment' not allowed" in outcome.message
    bad.write_text("version: '3.8'\n" + COMPOSE)
    outcome = run("compose_file_valid", project, path="stack/bad.yaml", project=NAME)
    assert not outcome.passed and "obsolete" in outcome.message


def test_file_sound_names_every_remaining_mistake(project: CheckContext) -> None:
    patterns = {"depend_on": r"^\s*depend_on\s*:", "envirionment": "envirionment", "service_complete": r"service_complete\b"}
    assert run("compose_file_sound", project, path="stack/compose.yaml", patterns=patterns).passed
    outcome = run("compose_file_sound", project, path="stack/notes.yaml", patterns=patterns)
    assert not outcome.passed and "mistake(s) remain" in outcome.message
    for name in patterns:
        assert f"  - {name}" in outcome.message
    merged = project.path("stack/merged.yaml")
    merged.write_text(COMPOSE.replace("      seed:\n        condition: service_completed_successfully", "      seed:\n        condition: service_completed_successfully\n      web:\n        condition: service_started"))
    outcome = run("compose_file_sound", project, path="stack/merged.yaml")
    assert not outcome.passed and "service `web` depends on itself" in outcome.message
    twice = project.path("stack/twice.yaml")
    twice.write_text(COMPOSE.replace("    restart: unless-stopped\n", "    restart: unless-stopped\n    restart: always\n"))
    outcome = run("compose_file_sound", project, path="stack/twice.yaml")
    assert not outcome.passed and "`restart:` is given twice" in outcome.message


def test_service_running(project: CheckContext) -> None:
    assert run("compose_service_running", project, project=NAME, service="web", container_name=f"{NAME}-web").passed
    outcome = run("compose_service_running", project, project=NAME, service="redis", container_name="my-redis")
    assert not outcome.passed and f"named '{NAME}-redis-1', not 'my-redis'" in outcome.message
    outcome = run("compose_service_running", project, project=NAME, service="cache")
    assert not outcome.passed and "no container for service 'cache'" in outcome.message
    outcome = run("compose_service_running", project, project="compose-nosuchproject", service="web")
    assert not outcome.passed and "No container belongs to Compose project" in outcome.message


def test_service_config(project: CheckContext) -> None:
    assert run("compose_service_config", project, project=NAME, service="web", environment={"REDIS_HOST": "redis"}, restart="unless-stopped").passed
    assert run("compose_service_config", project, project=NAME, service="job", restart="on-failure", max_retries=1).passed
    outcome = run("compose_service_config", project, project=NAME, service="web", restart="always", entrypoint=["python3", "app.py", "8080"])
    assert not outcome.passed and "its restart policy is 'unless-stopped', expected 'always'" in outcome.message and "its entrypoint is" in outcome.message
    outcome = run("compose_service_config", project, project=NAME, service="job", restart="on-failure", max_retries=3)
    assert not outcome.passed and "retries 1 time(s), expected 3" in outcome.message


def test_service_ports(project: CheckContext) -> None:
    assert run("compose_service_ports", project, project=NAME, service="web", published={"8000": PORT}).passed
    assert run("compose_service_ports", project, project=NAME, service="redis", exposed_only=[6379]).passed
    outcome = run("compose_service_ports", project, project=NAME, service="web", exposed_only=[8000])
    assert not outcome.passed and "Port 8000 is published to the host" in outcome.message
    outcome = run("compose_service_ports", project, project=NAME, service="web", published={"8000": 8499})
    assert not outcome.passed and f"is published on host port(s) [{PORT}], not on 8499" in outcome.message


def test_service_mount(project: CheckContext) -> None:
    assert run("compose_service_mount", project, project=NAME, service="web", destination="/app", type="bind", source="stack/web", read_only=True).passed
    assert run("compose_service_mount", project, project=NAME, service="redis", destination="/data", source=f"{NAME}_counter").passed
    outcome = run("compose_service_mount", project, project=NAME, service="web", destination="/app")
    assert not outcome.passed and "/app is a bind mount, not a volume mount" in outcome.message
    outcome = run("compose_service_mount", project, project=NAME, service="web", destination="/data")
    assert not outcome.passed and "Nothing is mounted at /data" in outcome.message


def test_service_healthy(project: CheckContext) -> None:
    assert run("compose_service_healthy", project, project=NAME, service="redis").passed
    outcome = run("compose_service_healthy", project, project=NAME, service="web")
    assert not outcome.passed and "has no healthcheck" in outcome.message


def test_service_exited(project: CheckContext) -> None:
    assert run("compose_service_exited", project, project=NAME, service="seed", exit_code=0).passed
    assert run("compose_service_exited", project, project=NAME, service="job", exit_code=3, restarts=1).passed
    outcome = run("compose_service_exited", project, project=NAME, service="job", exit_code=0)
    assert not outcome.passed and "exited with code 3, expected 0" in outcome.message
    outcome = run("compose_service_exited", project, project=NAME, service="web", wait=1)
    assert not outcome.passed and "still running" in outcome.message


def test_start_order(project: CheckContext) -> None:
    healthy = run("compose_start_order", project, project=NAME, service="web", after="redis", condition="service_healthy")
    assert healthy.passed, healthy.message
    assert run("compose_start_order", project, project=NAME, service="web", after="seed", condition="service_completed_successfully").passed
    outcome = run("compose_start_order", project, project=NAME, service="redis", after="seed", condition="service_completed_successfully")
    assert not outcome.passed and "BEFORE seed finished" in outcome.message
    outcome = run("compose_start_order", project, project=NAME, service="seed", after="web", condition="service_healthy")
    assert not outcome.passed and "web has no healthcheck" in outcome.message


def test_counter_survives_restart(project: CheckContext) -> None:
    outcome = run("compose_counter_survives_restart", project, project=NAME, port=PORT, minimum=101)
    assert outcome.passed, outcome.message
    outcome = run("compose_counter_survives_restart", project, project=NAME, port=PORT, minimum=10**6, restart=False)
    assert not outcome.passed and "expected at least 1000000" in outcome.message
    outcome = run("compose_counter_survives_restart", project, project="compose-nosuchproject", port=PORT)
    assert not outcome.passed and "No container of project" in outcome.message


def test_project_down_last(project: CheckContext, docker_client) -> None:
    """Runs last in this module: fails while the project is up, passes after `down`."""
    outcome = run("compose_project_down", project, project=NAME)
    assert not outcome.passed and "still exist" in outcome.message
    for container in docker_client.api.containers(all=True, filters={"label": [f"{PROJECT}={NAME}"]}):
        docker_client.api.remove_container(container["Id"], force=True, v=True)  # v: redis's anonymous /data volume too
    outcome = run("compose_project_down", project, project=NAME)
    assert not outcome.passed and f"['{NAME}_default'] remain" in outcome.message
    down = run_compose(["down"], cwd=project.path("stack"), project=NAME, timeout=60)
    assert down.returncode == 0, down.output
    assert run("compose_project_down", project, project=NAME).passed
