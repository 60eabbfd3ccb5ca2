"""Facts about images and containers made for production: build stages, health settings, the uid a
process runs as, and the folders a read-only container may still write.

Pure logic over what the build log and `docker inspect` report, so each rule is unit-tested without a daemon.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from checker.facts.build_log import BuildStep
from checker.facts.containers import Container
from checker.i18n import _

NANOSECONDS = 1_000_000_000
DEFAULT_INTERVAL = 30.0  # seconds, as the Engine applies them when HEALTHCHECK leaves them out
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
ROOT_NAMES = {"", "root", "0"}
FROM_LINE = re.compile(r"^FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?\s*$", re.IGNORECASE)


# ---------------------------------------------------------------------------------------- build stages


@dataclass(frozen=True)
class Stage:
    """One `FROM …` of a multi-stage build and the image its last step made."""

    number: int  # 0-based, as `COPY --from=0` counts
    base: str  # what FROM names: an image, or an earlier stage's alias
    alias: str  # the `AS name`, or ""
    image: str | None  # the stage's last layer (an untagged image the classic builder keeps)

    @property
    def label(self) -> str:
        instruction = f"FROM {self.base}{' AS ' + self.alias if self.alias else ''}"
        return _("stage {number} (`{instruction}`)").format(number=self.number, instruction=instruction)


def build_stages(steps: list[BuildStep]) -> list[Stage]:
    """The stages of a classic build, from its steps (the course's LABEL step left out by the caller)."""
    stages: list[Stage] = []
    base, alias, image = "", "", None
    for step in steps:
        if step.keyword == "FROM":
            if base:
                stages.append(Stage(len(stages), base, alias, image))
            match = FROM_LINE.match(step.instruction.strip())
            base, alias = (match.group(1), match.group(2) or "") if match else (step.instruction[5:].strip(), "")
            image = step.image  # None for `FROM scratch`
        else:
            image = step.image or image
    if base:
        stages.append(Stage(len(stages), base, alias, image))
    return stages


def builds_on_stage(final: Stage, earlier: list[Stage]) -> Stage | None:
    """The earlier stage the final one starts FROM (by alias or number), which hands it everything it holds."""
    for stage in earlier:
        if final.base.lower() in {stage.alias.lower(), str(stage.number)} - {""}:
            return stage
    return None


# ---------------------------------------------------------------------------------------- health


@dataclass(frozen=True)
class HealthSettings:
    """An image's or a container's HEALTHCHECK, with the Engine's defaults filled in (seconds)."""

    test: list[str]
    interval: float
    timeout: float
    retries: int
    start_period: float

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "HealthSettings":
        health = config.get("Healthcheck") or {}

        def seconds(key: str, default: float) -> float:
            value = int(health.get(key) or 0)
            return value / NANOSECONDS if value else default

        return cls(
            list(health.get("Test") or []),
            seconds("Interval", DEFAULT_INTERVAL),
            seconds("Timeout", DEFAULT_TIMEOUT),
            int(health.get("Retries") or 0) or DEFAULT_RETRIES,
            seconds("StartPeriod", 0.0),
        )

    @property
    def defined(self) -> bool:
        return bool(self.test) and self.test[0] != "NONE"

    @property
    def command(self) -> str:
        """The health command as a learner wrote it."""
        if not self.test:
            return ""
        if self.test[0] == "CMD-SHELL":
            return " ".join(self.test[1:])
        return shlex.join(self.test[1:]) if self.test[0] == "CMD" else shlex.join(self.test)

    @property
    def unhealthy_after(self) -> float:
        """About how long a broken app stays 'healthy': `retries` failed probes, one per interval."""
        return self.retries * self.interval + self.timeout


def last_probe(container: Container) -> str:
    """The last health probe's exit code and output, in one line."""
    probe = container.health.last_probe
    if not probe:
        return _("no probe has run yet")
    output = " ".join(str(probe.get("Output", "")).split())
    return _("exit {code}: {output}").format(code=probe.get("ExitCode"), output=output[-200:] or _("(no output)"))


# ---------------------------------------------------------------------------------------- users


def is_root_user(user: str) -> bool:
    """Whether a USER value (`name`, `uid`, `name:group`) means root; empty means root too."""
    return user.split(":", 1)[0].strip() in ROOT_NAMES


def status_uids(proc_status: str) -> list[int] | None:
    """The `Uid:` line of /proc/PID/status: real, effective, saved and filesystem uid."""
    for line in proc_status.splitlines():
        if line.startswith("Uid:"):
            try:
                return [int(word) for word in line.split()[1:]]
            except ValueError:
                return None
    return None


# ---------------------------------------------------------------------------------------- filesystems


def mount_type_at(container: Container, destination: str) -> str | None:
    """What is mounted at `destination`: tmpfs (`--tmpfs` or `--mount type=tmpfs`), volume, bind, or None."""
    wanted = destination.rstrip("/") or "/"
    tmpfs = {path.rstrip("/") or "/" for path in (container.host_config.get("Tmpfs") or {})}
    if wanted in tmpfs:
        return "tmpfs"
    for mount in container.mounts:
        if (mount.destination.rstrip("/") or "/") == wanted:
            return mount.type or "volume"
    return None


def read_only_rootfs(container: Container) -> bool:
    return bool(container.host_config.get("ReadonlyRootfs"))
