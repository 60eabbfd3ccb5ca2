"""What a check kind may look at: the daemon, the learner's work folder, and a per-run cache.

Kinds see the daemon through typed views (checker.facts): `ctx.container(name)`
is a Container or None, and `ctx.require_container(name)` ends the check with
the one "there is no such container" message when it does not exist.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from checker import settings
from checker.docker_client import get_client
from checker.facts.containers import Container
from checker.facts.images import Image
from checker.facts.networks import Network
from checker.facts.services import Service, find_service
from checker.facts.volumes import Volume
from checker.i18n import _
from checker.outcome import Outcome, Unmet, fail

if TYPE_CHECKING:
    import docker

__all__ = ["CheckContext", "poll"]


VIEWS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "container": Container,
    "image": Image,
    "network": Network,
    "volume": Volume,
}


def missing_container(name: str) -> Outcome:
    return fail(
        _("There is no container named {container!r}.").format(container=name),
        _("`docker ps -a` lists your containers; did you pass `--name {container}`?").format(container=name),
    )


def missing_image(name: str) -> Outcome:
    return fail(
        _("There is no image {image!r}.").format(image=name),
        _("build or tag it: `docker build -t {image} .`; `docker images` lists yours").format(image=name),
    )


def missing_network(name: str) -> Outcome:
    return fail(
        _("There is no network named {network!r}.").format(network=name),
        _("`docker network ls` lists them; create it with `docker network create {network}`").format(network=name),
    )


@dataclass
class CheckContext:
    """One run of one exercise's checks. Inspect results are cached for the run only."""

    exercise_id: str
    workdir: Path = field(default_factory=settings.workdir)
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

    # -- views of the daemon's objects (cached for the run)
    def container(self, name: str) -> Container | None:
        """`docker inspect NAME`, or None if there is no such container."""
        return self._inspect("container", name)

    def image(self, name: str) -> Image | None:
        return self._inspect("image", name)

    def network(self, name: str) -> Network | None:
        return self._inspect("network", name)

    def volume(self, name: str) -> Volume | None:
        return self._inspect("volume", name)

    def fresh_container(self, name: str) -> Container | None:
        """The container as it is now: for checks that wait for a state to change."""
        self._inspect_cache.pop(("container", name), None)
        return self.container(name)

    def service(self, project: str, name: str) -> Service:
        """A Compose service and its containers, as they are now (never cached)."""
        return find_service(self.api, project, name)

    # -- the same, or end the check with what is missing
    def require_container(self, name: str, outcome: Outcome | None = None) -> Container:
        found = self.container(name)
        if found is None:
            raise Unmet(outcome or missing_container(name))
        return found

    def require_image(self, name: str, outcome: Outcome | None = None) -> Image:
        found = self.image(name)
        if found is None:
            raise Unmet(outcome or missing_image(name))
        return found

    def require_network(self, name: str) -> Network:
        found = self.network(name)
        if found is None:
            raise Unmet(missing_network(name))
        return found

    def require_service(self, project: str, name: str) -> Container:
        """The newest container of a Compose service, or end the check saying what exists instead."""
        service = self.service(project, name)
        if service.container is None:
            raise Unmet(service.missing())
        return service.container

    def refresh(self) -> None:
        """Forget cached inspects (after a kind changed or waited on state)."""
        self._inspect_cache.clear()

    def _inspect(self, what: str, name: str) -> Any:
        import docker.errors

        key = (what, name)
        if key not in self._inspect_cache:
            call = getattr(self.api, f"inspect_{what}")  # inspect_container, inspect_image, …
            try:
                self._inspect_cache[key] = VIEWS[what](call(name))
            except docker.errors.NotFound:
                self._inspect_cache[key] = None
        return self._inspect_cache[key]


def poll(predicate: Callable[[], Any], timeout: float, interval: float = 0.2) -> bool:
    """Call `predicate` until it returns truthy or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
