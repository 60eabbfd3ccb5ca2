"""A container as `docker inspect` describes it, read through named properties.

Kinds ask `container.running` or `container.env["PORT"]` instead of indexing
raw dictionaries; the raw inspect data stays available as `raw` for the rare
field no property names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from checker import labels
from checker.errors import explain_daemon_message
from checker.facts.times import parse_time
from checker.i18n import _


def parse_env(items: list[str] | None) -> dict[str, str]:
    """`["KEY=value", …]` (a container's or an image's Env) as a dict; an entry without `=` is skipped."""
    return dict(item.split("=", 1) for item in items or [] if "=" in item)


def status_line(state: dict[str, Any]) -> str:
    """The state in words, including why a start failed (the daemon keeps that in State.Error)."""
    status = state.get("Status", "unknown")
    error = (state.get("Error") or "").strip()
    if error and status in ("created", "exited", "dead"):
        return _("{status}, and its start failed: {error}").format(status=status, error=explain_daemon_message(error))
    if status == "exited":
        return _("exited with code {code}").format(code=state.get("ExitCode"))
    if status == "restarting":
        return _("restarting (it keeps crashing; exit code {code})").format(code=state.get("ExitCode"))
    return status


@dataclass(frozen=True)
class Mount:
    type: str  # bind | volume | tmpfs
    source: str
    destination: str
    name: str  # the volume's name ("" for a bind mount)
    rw: bool

    @classmethod
    def from_inspect(cls, data: dict[str, Any]) -> "Mount":
        return cls(
            data.get("Type", ""),
            data.get("Source", ""),
            data.get("Destination", ""),
            data.get("Name") or "",
            bool(data.get("RW", True)),
        )

    @property
    def origin(self) -> str:
        """What is mounted: the volume's name, or the host path of a bind."""
        return self.name or self.source


@dataclass(frozen=True)
class Health:
    status: str  # starting | healthy | unhealthy | "" (no healthcheck)
    log: list[dict[str, Any]]

    @property
    def last_probe(self) -> dict[str, Any]:
        return self.log[-1] if self.log else {}


@dataclass(frozen=True)
class RestartPolicy:
    name: str  # no | always | unless-stopped | on-failure
    max_retries: int


@dataclass(frozen=True)
class Container:
    """One container's inspect data with the facts kinds ask about."""

    raw: dict[str, Any]

    # -- identity
    @property
    def name(self) -> str:
        return str(self.raw.get("Name", "")).lstrip("/")

    @property
    def id(self) -> str:
        return str(self.raw["Id"])

    @property
    def image_id(self) -> str:
        return str(self.raw.get("Image", ""))

    @property
    def image_name(self) -> str:
        """The image as it was named at `docker run` (Config.Image)."""
        return str(self.config.get("Image", ""))

    @property
    def config(self) -> dict[str, Any]:
        return self.raw.get("Config") or {}

    @property
    def host_config(self) -> dict[str, Any]:
        return self.raw.get("HostConfig") or {}

    @property
    def labels(self) -> dict[str, str]:
        return self.config.get("Labels") or {}

    @property
    def hostname(self) -> str:
        return str(self.config.get("Hostname", ""))

    @property
    def entrypoint(self) -> list[str] | None:
        return self.config.get("Entrypoint")

    @property
    def env(self) -> dict[str, str]:
        return parse_env(self.config.get("Env"))

    # -- state
    @property
    def state(self) -> dict[str, Any]:
        return self.raw.get("State") or {}

    @property
    def status(self) -> str:
        return str(self.state.get("Status", "unknown"))

    @property
    def running(self) -> bool:
        return bool(self.state.get("Running"))

    @property
    def restarting(self) -> bool:
        return bool(self.state.get("Restarting"))

    @property
    def up(self) -> bool:
        """Running and not between two crashes of a restart loop."""
        return self.running and not self.restarting

    @property
    def exit_code(self) -> int | None:
        return self.state.get("ExitCode")

    @property
    def start_error(self) -> str:
        """Why the daemon could not start it (a port in use, a missing command), or ""."""
        return (self.state.get("Error") or "").strip()

    @property
    def status_line(self) -> str:
        return status_line(self.state)

    @property
    def created(self) -> datetime | None:
        return parse_time(self.raw.get("Created"))

    @property
    def started_at(self) -> datetime | None:
        return parse_time(self.state.get("StartedAt"))

    @property
    def finished_at(self) -> datetime | None:
        return parse_time(self.state.get("FinishedAt"))

    @property
    def restart_count(self) -> int:
        return int(self.raw.get("RestartCount") or 0)

    @property
    def restart_policy(self) -> RestartPolicy:
        policy = self.host_config.get("RestartPolicy") or {}
        return RestartPolicy(policy.get("Name") or "no", int(policy.get("MaximumRetryCount") or 0))

    @property
    def auto_remove(self) -> bool:
        return bool(self.host_config.get("AutoRemove"))

    @property
    def healthcheck(self) -> dict[str, Any]:
        return self.config.get("Healthcheck") or {}

    @property
    def health(self) -> Health:
        health = self.state.get("Health") or {}
        return Health(str(health.get("Status", "")), list(health.get("Log") or []))

    # -- ports, mounts, networks
    @property
    def port_bindings(self) -> dict[str, list[dict[str, str]]]:
        """What was asked for (`-p`, `ports:`), by "PORT/PROTO"; kept even while the container is stopped."""
        return self.host_config.get("PortBindings") or {}

    @property
    def ports(self) -> dict[str, list[dict[str, str]]]:
        """What is published now, by "PORT/PROTO" (NetworkSettings.Ports)."""
        return (self.raw.get("NetworkSettings") or {}).get("Ports") or {}

    @property
    def exposed_ports(self) -> set[str]:
        """Exposed container ports, without the protocol."""
        return {key.split("/")[0] for key in self.config.get("ExposedPorts") or {}}

    def host_ports(self, container_port: int | str, protocol: str = "tcp") -> list[int]:
        """Host ports bound (asked for, or live) to one container port."""
        key = f"{container_port}/{protocol}"
        bindings = [*(self.port_bindings.get(key) or []), *(self.ports.get(key) or [])]
        return sorted({int(b["HostPort"]) for b in bindings if b.get("HostPort")})

    @property
    def mounts(self) -> list[Mount]:
        return [Mount.from_inspect(m) for m in self.raw.get("Mounts") or []]

    def mount_at(self, destination: str) -> Mount | None:
        return next((m for m in self.mounts if m.destination == destination), None)

    @property
    def networks(self) -> dict[str, dict[str, Any]]:
        """Network name → endpoint settings (what `docker inspect` lists under Networks)."""
        return dict((self.raw.get("NetworkSettings") or {}).get("Networks") or {})

    @property
    def network_mode(self) -> str:
        return str(self.host_config.get("NetworkMode") or "")

    # -- Compose
    @property
    def compose_service(self) -> str:
        return self.labels.get(labels.COMPOSE_SERVICE, "")

    @property
    def depends_on(self) -> dict[str, str]:
        """What Compose was told to wait for: service → condition (its depends_on label)."""
        entries = [e for e in self.labels.get(labels.COMPOSE_DEPENDS_ON, "").split(",") if e]
        return {parts[0]: (parts[1] if len(parts) > 1 else "") for parts in (e.split(":") for e in entries)}
