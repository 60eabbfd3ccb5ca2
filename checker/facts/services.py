"""Compose projects as the daemon sees them: THE lookup of a service's containers.

A project's containers are found by the labels Compose v2 puts on them
(com.docker.compose.project / .service), never by guessed names. Lookups are
not cached: checks that wait for a service ask again and must see it change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.facts.containers import Container
from checker.i18n import _
from checker.labels import COMPOSE_NETWORK, COMPOSE_PROJECT, COMPOSE_SERVICE
from checker.outcome import Outcome, fail

if TYPE_CHECKING:
    import docker


def project_containers(api: "docker.APIClient", project: str, service: str | None = None) -> list[Container]:
    """The project's containers (optionally one service's), running or not, oldest first."""
    wanted = [f"{COMPOSE_PROJECT}={project}"] + ([f"{COMPOSE_SERVICE}={service}"] if service else [])
    summaries = api.containers(all=True, filters={"label": wanted})
    found = [Container(api.inspect_container(s["Id"])) for s in summaries]
    return sorted(found, key=lambda c: str(c.raw.get("Created", "")))


def project_networks(api: "docker.APIClient", project: str, key: str | None = None) -> list[dict[str, Any]]:
    """The networks Compose made for the project (optionally the one declared as `key`)."""
    wanted = [f"{COMPOSE_PROJECT}={project}"] + ([f"{COMPOSE_NETWORK}={key}"] if key else [])
    return api.networks(filters={"label": wanted})


def up_hint(project: str) -> str:
    return _(
        "start it with `docker compose -p {project} up -d` (or `name: {project}` at the top of compose.yaml) "
        "and read `docker compose ps -a`"
    ).format(project=project)


@dataclass(frozen=True)
class Service:
    """One service of a Compose project and its containers, oldest first."""

    project: str
    name: str
    containers: tuple[Container, ...]
    others: tuple[str, ...] = ()  # the project's services, looked up only when this one has no container

    @property
    def container(self) -> Container | None:
        """The newest container (after a recreate, the one that counts)."""
        return self.containers[-1] if self.containers else None

    @property
    def running(self) -> Container | None:
        return next((c for c in self.containers if c.running), None)

    def why_not_running(self) -> str:
        if self.containers:
            first = self.containers[0]
            return _("the container of service {service!r} is {status} (exit code {code})").format(
                service=self.name, status=first.status, code=first.exit_code
            )
        if self.others:
            return _("project {project!r} has no service {service!r} (it has: {services})").format(
                project=self.project, service=self.name, services=", ".join(self.others)
            )
        return _("project {project!r} has no containers: is it up?").format(project=self.project)

    def missing(self) -> Outcome:
        """Say what exists instead: other services of the project, or no project at all."""
        if self.others:
            return fail(
                _("Project {project!r} has no container for service {service!r} (its services: {services}).").format(
                    project=self.project, service=self.name, services=", ".join(self.others)
                ),
                _("name the service `{service}` under `services:` and run `docker compose up -d` again").format(
                    service=self.name
                ),
            )
        return fail(
            _("No container belongs to Compose project {project!r}.").format(project=self.project),
            _(
                "put `name: {project}` at the top of compose.yaml (or pass `-p {project}`), then `docker compose up -d`"
            ).format(project=self.project),
        )


def find_service(api: "docker.APIClient", project: str, name: str) -> Service:
    containers = tuple(project_containers(api, project, name))
    others: tuple[str, ...] = ()
    if not containers:
        others = tuple(sorted({c.compose_service or "?" for c in project_containers(api, project)}))
    return Service(project, name, containers, others)
