"""Reset: remove what an exercise owns, and nothing else.

What may go: resources carrying the course's labels for that exercise, and
resources the exercise declares by name (`owns` in its chapter file). Compose
projects it declares are removed by their com.docker.compose.project label.
Never anything else, and never `docker system prune`. Workspace files it owns
are moved to `workspace/.trash/`, not deleted, so no learner work is lost.
"""

from __future__ import annotations

import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from checker import settings
from checker.labels import COMPOSE_PROJECT, EXERCISE, MANAGED

if TYPE_CHECKING:
    import docker

    from checker.registry import Exercise

__all__ = ["COMPOSE_PROJECT", "Removed", "reset_exercise"]


@dataclass
class Removed:
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"{len(v)} {k}" for k, v in vars(self).items() if v]
        return "removed " + ", ".join(parts) if parts else "nothing to remove"


def _label_filters(exercise: "Exercise") -> list[dict[str, list[str]]]:
    filters = [{"label": [f"{MANAGED}=true", f"{EXERCISE}={exercise.id}"]}]
    filters += [{"label": [f"{COMPOSE_PROJECT}={project}"]} for project in exercise.owns.projects]
    return filters


def _remove_containers(client: "docker.DockerClient", exercise: "Exercise", removed: Removed) -> None:
    import docker.errors

    targets: dict[str, str] = {}
    for filters in _label_filters(exercise):
        for container in client.api.containers(all=True, filters=filters):
            targets[container["Id"]] = container["Names"][0].lstrip("/")
    for name in exercise.owns.containers:
        targets.setdefault(name, name)
    for ident, name in targets.items():
        try:
            client.api.remove_container(ident, force=True, v=True)  # v: its anonymous volumes only
            removed.containers.append(name)
        except docker.errors.NotFound:
            pass
        except docker.errors.APIError as exc:
            if "removal of container" in str(exc) and "already in progress" in str(exc):
                continue  # an --rm container removing itself
            raise


def _remove_networks(client: "docker.DockerClient", exercise: "Exercise", removed: Removed) -> None:
    import docker.errors

    targets = {n["Id"]: n["Name"] for f in _label_filters(exercise) for n in client.api.networks(filters=f)}
    for name in exercise.owns.networks:
        targets.setdefault(name, name)
    for ident, name in targets.items():
        try:
            client.api.remove_network(ident)
            removed.networks.append(name)
        except docker.errors.NotFound:
            pass


def _remove_volumes(client: "docker.DockerClient", exercise: "Exercise", removed: Removed) -> None:
    import docker.errors

    names = {v["Name"] for f in _label_filters(exercise) for v in (client.api.volumes(filters=f).get("Volumes") or [])}
    names.update(exercise.owns.volumes)
    for name in names:
        try:
            client.api.remove_volume(name, force=True)
            removed.volumes.append(name)
        except docker.errors.NotFound:
            pass


def _remove_images(client: "docker.DockerClient", exercise: "Exercise", removed: Removed) -> None:
    import docker.errors

    labelled = [i["Id"] for i in client.api.images(filters={"label": [f"{MANAGED}=true", f"{EXERCISE}={exercise.id}"]})]
    for ref in [*exercise.owns.images, *labelled]:
        try:
            # noprune: keep the untagged parent layers, which are the classic builder's cache
            client.api.remove_image(ref, force=False, noprune=True)
            removed.images.append(ref)
        except docker.errors.ImageNotFound:
            pass
        except docker.errors.APIError as exc:
            if exc.status_code == 409:  # still used by a container we do not own: leave it
                continue
            raise


def _trash_files(workdir: Path, exercise: "Exercise", removed: Removed) -> None:
    # One fresh folder per reset: two resets within a second must never meet.
    stamp = f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}"
    for relative in exercise.owns.files:
        source = (workdir / relative).resolve()
        if not source.exists():
            continue
        target = workdir / settings.WORKSPACE / ".trash" / stamp / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(source), str(target))
        removed.files.append(relative)


def reset_exercise(client: "docker.DockerClient", exercise: "Exercise", workdir: Path) -> Removed:
    """Remove what the exercise owns: containers first, then networks, volumes, images, files."""
    removed = Removed()
    _remove_containers(client, exercise, removed)
    _remove_networks(client, exercise, removed)
    _remove_volumes(client, exercise, removed)
    _remove_images(client, exercise, removed)
    _trash_files(workdir, exercise, removed)
    return removed
