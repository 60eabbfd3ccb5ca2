"""Shared fixtures. Integration tests talk to the real daemon; nothing here mocks it.

Every test session gets its own label value (COURSE_SESSION), its own work
folder and progress file, so running the suite never touches a learner's
workspace. `tracker` removes what a test registers even when the test fails,
and a final sweep removes anything still carrying this session's label.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from checker import labels, settings

SESSION = f"test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session", autouse=True)
def course_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Isolate the suite: its own session label, work folder and progress file."""
    workdir = tmp_path_factory.mktemp("workdir")
    names = (settings.SESSION.name, settings.WORKDIR.name, settings.PROGRESS.name)
    saved = {k: os.environ.get(k) for k in names}
    os.environ[settings.SESSION.name] = SESSION
    os.environ[settings.WORKDIR.name] = str(workdir)
    os.environ[settings.PROGRESS.name] = str(workdir / "progress.json")
    yield workdir
    _sweep_session()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _sweep_session() -> None:
    """Remove anything still labelled with this test session (a safety net, not the main cleanup)."""
    try:
        import docker

        client = docker.from_env(timeout=30)
    except Exception:  # noqa: BLE001 - no daemon, nothing to sweep
        return
    label = {"label": [f"{labels.SESSION}={SESSION}"]}
    for c in client.api.containers(all=True, filters=label):
        client.api.remove_container(c["Id"], force=True)
    for n in client.api.networks(filters=label):
        client.api.remove_network(n["Id"])
    for v in client.api.volumes(filters=label).get("Volumes") or []:
        client.api.remove_volume(v["Name"], force=True)


@pytest.fixture(scope="session")
def docker_client():
    """The real daemon. If it is down, integration tests fail: they never pass without it."""
    import docker

    client = docker.from_env(timeout=120)
    client.ping()
    return client


@dataclass
class Tracker:
    """Registers resources the moment a test creates them; removes them all at teardown."""

    client: object
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)

    def cleanup(self) -> None:
        import docker.errors

        api = self.client.api
        for remove, names in (
            (lambda n: api.remove_container(n, force=True), self.containers),
            (api.remove_network, self.networks),
            (lambda n: api.remove_volume(n, force=True), self.volumes),
            (lambda n: api.remove_image(n, force=True), self.images),
        ):
            for name in names:
                try:
                    remove(name)
                except docker.errors.NotFound:
                    pass


@pytest.fixture
def tracker(docker_client) -> Iterator[Tracker]:
    track = Tracker(docker_client)
    try:
        yield track
    finally:
        track.cleanup()
