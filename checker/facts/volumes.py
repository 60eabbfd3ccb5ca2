"""A volume as `docker volume inspect` describes it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ANONYMOUS = "an anonymous volume (a new, empty one for every new container)"


def is_anonymous(volume_name: str) -> bool:
    """Docker names a volume nobody named with 64 hex digits."""
    return bool(re.fullmatch(r"[0-9a-f]{64}", volume_name))


@dataclass(frozen=True)
class Volume:
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.raw.get("Name", ""))

    @property
    def labels(self) -> dict[str, str]:
        return self.raw.get("Labels") or {}

    @property
    def compose_volume(self) -> str:
        """The key under the compose file's `volumes:` that made it ("" if Compose did not)."""
        return self.labels.get("com.docker.compose.volume", "")
