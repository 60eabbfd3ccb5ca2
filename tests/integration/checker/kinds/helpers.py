"""Small helpers the kinds' integration tests share; every resource is registered with `tracker` first."""

from __future__ import annotations

import io
import uuid
from pathlib import Path
from typing import Any

from checker.context import CheckContext
from checker.kinds import Outcome, get_kind
from checker.labels import EXERCISE, MANAGED, course_labels

BUSYBOX = "busybox:1.35"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def run_kind(ctx: CheckContext, name: str, **params: Any) -> Outcome:
    """A kind by its registered name, on fresh inspect data (as the engine runs it)."""
    ctx.refresh()
    return get_kind(name).func(ctx, **params)


def run_sleeper(client, tracker, name: str, exercise: str, **kwargs):
    tracker.containers.append(name)
    return client.containers.run(BUSYBOX, "sleep 300", name=name, detach=True, labels=course_labels(exercise), **kwargs)


def write(ctx: CheckContext, relative: str, text: str) -> str:
    target = ctx.path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return relative


def tag_for(tracker, what: str) -> str:
    """A unique owned tag, registered for removal before anything is built."""
    tag = f"test-kinds-{what}-{uuid.uuid4().hex[:6]}"
    tracker.images.append(tag)
    return tag


def write_context(root: Path, name: str, dockerfile: str, files: dict[str, str] | None = None) -> str:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    for relative, text in (files or {}).items():
        (folder / relative).write_text(text, encoding="utf-8")
    return name


def labelled(docker_client, exercise: str) -> list[dict]:
    """Containers still labelled as the exercise's: a kind that runs one must have removed it."""
    return docker_client.api.containers(all=True, filters={"label": [f"{MANAGED}=true", f"{EXERCISE}={exercise}"]})


def build_image(client, tracker, exercise: str, tag: str, dockerfile: str) -> None:
    """Build a Dockerfile given as text (no context), labelled as the exercise's."""
    tracker.images.append(tag)
    client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, labels=course_labels(exercise), rm=True)
