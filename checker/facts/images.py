"""An image as `docker image inspect` describes it: its config and the names it goes by."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from checker.facts.containers import parse_env
from checker.facts.times import ZERO_TIME


@dataclass(frozen=True)
class Image:
    raw: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.raw["Id"])

    @property
    def short_id(self) -> str:
        """The 12 hex digits `docker images` shows."""
        return self.id[7:19]

    @property
    def config(self) -> dict[str, Any]:
        return self.raw.get("Config") or {}

    @property
    def env(self) -> dict[str, str]:
        return parse_env(self.config.get("Env"))

    @property
    def cmd(self) -> list[str] | None:
        return self.config.get("Cmd")

    @property
    def entrypoint(self) -> list[str] | None:
        return self.config.get("Entrypoint")

    @property
    def workdir(self) -> str:
        return self.config.get("WorkingDir") or ""

    @property
    def user(self) -> str:
        return self.config.get("User") or ""

    @property
    def exposed_ports(self) -> list[str]:
        """ "PORT/PROTO" keys, sorted."""
        return sorted((self.config.get("ExposedPorts") or {}).keys())

    @property
    def repo_tags(self) -> list[str]:
        return list(self.raw.get("RepoTags") or [])

    @property
    def repo_digests(self) -> list[str]:
        return list(self.raw.get("RepoDigests") or [])

    @property
    def last_tag_time(self) -> str:
        """When it was last tagged here; the zero time for an image that came from a pull."""
        return (self.raw.get("Metadata") or {}).get("LastTagTime") or ZERO_TIME

    @property
    def committed_from(self) -> str:
        """The container `docker commit` made it from ("" for a build or a pull)."""
        return str(self.raw.get("Container") or "")
