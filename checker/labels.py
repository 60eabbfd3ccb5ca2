"""The course's label namespace: the one way to tell our resources from the learner's.

Reset and cleanup filter by these labels (plus names an exercise declares), so
everything the course creates must carry them. Nothing else is ever removed.
"""

from __future__ import annotations

import os
import uuid

from checker import settings

NAMESPACE = "org.dockercourse"
MANAGED = f"{NAMESPACE}.managed"
EXERCISE = f"{NAMESPACE}.exercise"
SESSION = f"{NAMESPACE}.session"
STANDIN = f"{NAMESPACE}.standin"
ROLE = f"{NAMESPACE}.role"  # what a helper container is for: probe, check-run, check-look, …

# Labels Compose v2 puts on what it creates: how checks and reset find a project's resources.
COMPOSE_PROJECT = "com.docker.compose.project"
COMPOSE_SERVICE = "com.docker.compose.service"
COMPOSE_NETWORK = "com.docker.compose.network"
COMPOSE_WORKING_DIR = "com.docker.compose.project.working_dir"
COMPOSE_CONFIG_FILES = "com.docker.compose.project.config_files"
COMPOSE_DEPENDS_ON = "com.docker.compose.depends_on"


def session_id() -> str:
    """One id per process tree, inherited by the shell steps it starts."""
    value = settings.SESSION.get()
    if not value:
        value = uuid.uuid4().hex[:12]
        os.environ[settings.SESSION.name] = value
    return value


def course_labels(exercise: str | None = None) -> dict[str, str]:
    """Labels for a resource the course creates, optionally owned by one exercise."""
    labels = {MANAGED: "true", SESSION: session_id()}
    if exercise:
        labels[EXERCISE] = exercise
    return labels


def label_flags(exercise: str | None = None) -> str:
    """The same labels as `docker` CLI flags, for shell steps (`docker run $COURSE_LABELS …`)."""
    return " ".join(f"--label {key}={value}" for key, value in course_labels(exercise).items())


def managed_filter(exercise: str | None = None) -> dict[str, list[str]]:
    """An Engine API filter that matches only what the course labelled."""
    labels = [f"{MANAGED}=true"]
    if exercise:
        labels.append(f"{EXERCISE}={exercise}")
    return {"label": labels}
