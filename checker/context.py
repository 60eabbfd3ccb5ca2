"""What a check kind may look at: the daemon, the learner's work folder, and a per-run cache."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checker.docker_client import get_client

if TYPE_CHECKING:
    import docker

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_workdir() -> Path:
    """Where answer cells run: the notebooks folder, or COURSE_WORKDIR (the grader sets it)."""
    override = os.environ.get("COURSE_WORKDIR")
    return Path(override).resolve() if override else REPO_ROOT / "notebooks"


@dataclass
class CheckContext:
    """One run of one exercise's checks. Inspect results are cached for the run only."""

    exercise_id: str
    workdir: Path = field(default_factory=default_workdir)
    _client: Any = None
    _inspect_cache: dict[tuple[str, str], Any] = field(default_factory=dict)
    # Builds made earlier in this run, by (context folder, Dockerfile): a later check of the
    # same folder reuses the result instead of building again (seconds each on this daemon).
    builds: dict[tuple[str, str], Any] = field(default_factory=dict)

    @property
    def client(self) -> "docker.DockerClient":
        if self._client is None:
            self._client = get_client()
        return self._client

    @property
    def api(self) -> "docker.APIClient":
        return self.client.api

    def path(self, relative: str) -> Path:
        return (self.workdir / relative).resolve()

    def container(self, name: str) -> dict[str, Any] | None:
        """`docker inspect NAME` as a dict, or None if no such container."""
        return self._inspect("container", name)

    def image(self, name: str) -> dict[str, Any] | None:
        return self._inspect("image", name)

    def network(self, name: str) -> dict[str, Any] | None:
        return self._inspect("network", name)

    def volume(self, name: str) -> dict[str, Any] | None:
        return self._inspect("volume", name)

    def refresh(self) -> None:
        """Forget cached inspects (after a kind changed or waited on state)."""
        self._inspect_cache.clear()

    def _inspect(self, what: str, name: str) -> dict[str, Any] | None:
        import docker.errors

        key = (what, name)
        if key not in self._inspect_cache:
            call = {
                "container": self.api.inspect_container,
                "image": self.api.inspect_image,
                "network": self.api.inspect_network,
                "volume": self.api.inspect_volume,
            }[what]
            try:
                self._inspect_cache[key] = call(name)
            except docker.errors.NotFound:
                self._inspect_cache[key] = None
        return self._inspect_cache[key]


# How often a check retries a local HTTP probe: refused connections cost a millisecond, and every
# interval is latency added after the server is up.
PROBE_INTERVAL = 0.1


def poll(predicate, timeout: float, interval: float = 0.2) -> bool:
    """Call `predicate` until it returns truthy or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
