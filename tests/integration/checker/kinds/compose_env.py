"""The Compose projects the compose kinds are tested on, and how to remove them even when a test fails.

`stack` (chapter 04: web built from the chapter's Dockerfile, redis with a
healthcheck, a seed job, a failing job), `tiers` (chapter 06: three tiers on
two networks, and a service with no network) and the capstone's small
projects (chapter 07). Each is removed by `docker compose down`, then by label.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import docker.errors

from checker.compose_project import run_compose
from checker.labels import COMPOSE_PROJECT
from checker.settings import APPS_DIR

TAG = uuid.uuid4().hex[:6]

# ---------------------------------------------------------------- chapter 04: the stack

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


def remove_project(docker_client, folder: Path, project: str, image: str | None = None) -> None:
    """`down -v`, then whatever still carries the project's label: containers, networks, volumes."""
    run_compose(["down", "-v", "--remove-orphans", "--timeout", "1"], cwd=folder, project=project, timeout=120)
    api = docker_client.api
    label = {"label": [f"{COMPOSE_PROJECT}={project}"]}
    for container in api.containers(all=True, filters=label):
        api.remove_container(container["Id"], force=True, v=True)
    for network in api.networks(filters=label):
        api.remove_network(network["Id"])
    for volume in api.volumes(filters=label).get("Volumes") or []:
        api.remove_volume(volume["Name"], force=True)
    if image:
        try:
            api.remove_image(image, force=True)
        except docker.errors.ImageNotFound:
            pass


def write_stack(folder: Path) -> None:
    """The stack's files: compose.yaml, the web app and its Dockerfile, and the notes' faulty file."""
    (folder / "web").mkdir(parents=True)
    shutil.copy(APPS_DIR / "webapp" / "app.py", folder / "web")
    shutil.copy(APPS_DIR / "compose" / "Dockerfile", folder / "web")
    (folder / "compose.yaml").write_text(COMPOSE)
    (folder / "notes.yaml").write_text((APPS_DIR / "compose" / "notes-compose.yaml").read_text())


# ---------------------------------------------------------------- chapter 06: the tiers

TIERS = """
name: {project}
services:
  front:
    image: busybox:1.35
    command: ["sh", "-c", "mkdir -p /www && echo front > /www/index.html && exec httpd -f -p 80 -h /www"]
    networks: [frontnet]
  api:
    image: busybox:1.35
    command: ["sh", "-c", "mkdir -p /www && echo api > /www/index.html && exec httpd -f -p 8000 -h /www"]
    networks: [frontnet, backnet]
  db:
    image: busybox:1.35
    command:
      - sh
      - -c
      - echo db ready && mkdir -p /www && echo db > /www/index.html && exec httpd -f -p 5432 -h /www
    networks: [backnet]
  loner:
    image: busybox:1.35
    command: ["sleep", "600"]
    network_mode: none
networks:
  frontnet:
  backnet:
"""

BOTH_MODES = """
services:
  web:
    image: busybox:1.35
    network_mode: host
    networks: [default]
"""


# ---------------------------------------------------------------- chapter 07: the capstone's projects

COMPOSE_GOOD = """services:
  front:
    image: busybox:1.35
    command: ["sleep", "300"]
    networks: [backend]
  store:
    image: redis:7.0
    volumes:
      - store-data:/data
    networks: [backend]
networks:
  backend: {}
volumes:
  store-data: {}
"""

COMPOSE_DEFAULT_NETWORK_BIND = """services:
  front:
    image: busybox:1.35
    command: ["sleep", "300"]
  store:
    image: redis:7.0
    volumes:
      - ./store-data:/data
"""

COMPOSE_ONE_EXITS = """services:
  front:
    image: busybox:1.35
    command: ["sh", "-c", "echo crashing; exit 3"]
  store:
    image: busybox:1.35
    command: ["sleep", "300"]
    volumes:
      - store-data:/data
volumes:
  store-data: {}
"""


def up(folder: Path, project: str, content: str) -> None:
    (folder / "compose.yaml").write_text(content)
    result = run_compose(["up", "-d"], cwd=folder, project=project)
    assert result.returncode == 0, result.output
