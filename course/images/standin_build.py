"""How each stand-in base image is made when no registry can be reached.

Three recipes, all offline apart from the Debian package mirror the host
already uses: `busybox` (the host's static busybox in a scratch image),
`debootstrap` (a minbase Debian rootfs, slimmed and `docker import`ed; see debian.py) and
`dockerfile` (a Dockerfile in `course/standins/<name>/`, built FROM another
catalog image). Long steps report progress through `Heartbeat`, so a learner
watching a notebook cell never sees a minute of silence.
"""

from __future__ import annotations

import io
import os
import queue
import re
import shutil
import subprocess
import tarfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from checker import settings
from checker.errors import CourseError, explain
from checker.labels import STANDIN

if TYPE_CHECKING:
    import docker

Log = Callable[[str], None]
T = TypeVar("T")

SUITE = "bookworm"
HOST_BUSYBOX = Path("/bin/busybox")
MIRROR_ENV = settings.DEBIAN_MIRROR.name
APT_FIX = "sudo apt-get install -y debootstrap busybox-static"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HEARTBEAT_SECONDS = 10.0
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def elapsed(since: float) -> str:
    return f"{time.monotonic() - since:.0f}s"


def standin_labels(source: str, detail: str) -> dict[str, str]:
    """The labels every stand-in carries, so doctor and learners can tell it from the real image."""
    return {STANDIN: "true", f"{STANDIN}.source": source, f"{STANDIN}.detail": detail}


def split_name(name: str) -> tuple[str, str]:
    """`repo[:tag]` -> (repo, tag); a colon before the last slash is a registry port, not a tag."""
    repo, sep, tag = name.rpartition(":")
    if sep and "/" not in tag:
        return repo, tag
    return name, "latest"


def standin_dir(name: str) -> Path:
    """`course/standins/<repo basename>`: throwaway test tags reuse the real recipe."""
    return settings.STANDINS_DIR / split_name(name)[0].rsplit("/", 1)[-1]


# --------------------------------------------------------------------------- progress


class Heartbeat:
    """Consumes a blocking stream in a worker thread and logs a line when it has been quiet.

    `log` is only ever called from the caller's thread (a notebook widget may not
    be thread-safe); the worker only feeds a queue.
    """

    def __init__(self, log: Log, label: str, every: float = HEARTBEAT_SECONDS) -> None:
        self.log, self.label, self.every = log, label, every
        self.status = ""
        self.started = self.last = time.monotonic()

    def note(self, status: str) -> None:
        status = status.strip()
        if status:
            self.status = status[:120]

    def tick(self) -> None:
        if time.monotonic() - self.last >= self.every:
            self.log(f"  … {self.label}: {elapsed(self.started)}" + (f" · {self.status}" if self.status else ""))
            self.last = time.monotonic()

    def drain(self, items: Iterable[T]) -> Iterator[T]:
        done = object()
        box: queue.Queue[Any] = queue.Queue()

        def pump() -> None:
            try:
                for item in items:
                    box.put(item)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                box.put(_Failure(exc))
            box.put(done)

        threading.Thread(target=pump, name=f"heartbeat-{self.label}", daemon=True).start()
        while True:
            try:
                item = box.get(timeout=1.0)
            except queue.Empty:
                self.tick()
                continue
            if item is done:
                return
            if isinstance(item, _Failure):
                raise item.exc
            yield item
            self.tick()


class _Failure:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


# --------------------------------------------------------------------------- host prerequisites


def follow_build(
    stream: Iterable[dict[str, Any]], beat: "Heartbeat", log: Log, failed: Callable[[str, str, str], CourseError]
) -> str | None:
    """Follow a classic `docker build` stream: log each step, keep the last lines of output, and return the
    image id (None if the daemon named none); a build error becomes failed(step, error, last lines), and a
    daemon failure a CourseError."""
    step, image_id, tail = "", None, []
    try:
        for chunk in beat.drain(stream):
            if "error" in chunk:
                error = ANSI.sub("", str(chunk["error"])).strip()
                raise failed(step or "the first step", error, "\n".join(tail[-8:]))
            text = ANSI.sub("", str(chunk.get("stream", ""))).rstrip()
            if text.startswith("Step "):
                step = text
                log(f"  {text[:110]}")
                beat.last = time.monotonic()
            elif text:
                tail.append(text)
                beat.note(text)
            image_id = (chunk.get("aux") or {}).get("ID", image_id)
    except CourseError:
        raise
    except Exception as exc:  # noqa: BLE001 - a daemon/API failure becomes a learner message
        raise explain(exc) from None
    return None if image_id is None else str(image_id)


def _is_static_elf(path: Path) -> bool:
    """True for an ELF executable without a program interpreter (PT_INTERP), i.e. statically linked."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
            if head[:4] != b"\x7fELF":
                return False
            is64, little = head[4] == 2, head[5] == 1
            order = "little" if little else "big"
            num = lambda a, b: int.from_bytes(head[a:b], order)  # noqa: E731
            phoff, phentsize, phnum = (
                (num(32, 40), num(54, 56), num(56, 58)) if is64 else (num(28, 32), num(42, 44), num(44, 46))
            )
            handle.seek(phoff)
            table = handle.read(phentsize * phnum)
    except OSError:
        return False
    return all(int.from_bytes(table[i * phentsize : i * phentsize + 4], order) != 3 for i in range(phnum))


def debootstrap_path() -> str | None:
    return shutil.which("debootstrap") or next(
        (p for p in ("/usr/sbin/debootstrap", "/sbin/debootstrap") if os.access(p, os.X_OK)), None
    )


def _missing_tools(recipes: set[str]) -> list[str]:
    missing = []
    if "debootstrap" in recipes and not debootstrap_path():
        missing.append("debootstrap")
    if "busybox" in recipes and not _is_static_elf(HOST_BUSYBOX):
        missing.append("busybox-static")
    return missing


def ensure_host_tools(recipes: set[str], log: Log) -> None:
    """Install debootstrap / busybox-static when the recipes need them and we may; else explain."""
    missing = _missing_tools(recipes)
    if not missing:
        return
    can_install = hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")
    if not can_install:
        raise CourseError(f"Building the stand-in images needs {' and '.join(missing)} on this machine.", APT_FIX)
    log(f"Installing {' '.join(missing)} with apt-get (needed to build stand-in base images offline) …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    run = lambda cmd: subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)  # noqa: E731
    result = run(install)
    if result.returncode != 0:
        log("  apt-get install failed; running apt-get update first …")
        run(["apt-get", "update"])
        result = run(install)
    if result.returncode != 0 or _missing_tools(recipes):
        tail = (result.stderr or result.stdout).strip().splitlines()[-3:]
        raise CourseError(f"Could not install {' '.join(missing)}: {' / '.join(tail)}", APT_FIX)
    log(f"  ✔ installed {' '.join(missing)}")


# --------------------------------------------------------------------------- Debian mirror


def _context_tar(folder: Path, extra: dict[str, Path] | None = None) -> io.BytesIO:
    """A build context: the stand-in folder plus host files (the busybox binary), as an in-memory tar."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(folder.rglob("*")):
            if "__pycache__" not in path.parts:
                tar.add(path, arcname=path.relative_to(folder).as_posix(), recursive=False)
        for arcname, path in (extra or {}).items():
            tar.add(path, arcname=arcname)
    buffer.seek(0)
    return buffer


def build_dockerfile(
    client: "docker.DockerClient",
    name: str,
    *,
    context: io.BytesIO,
    labels: dict[str, str],
    buildargs: dict[str, str] | None,
    log: Log,
) -> str:
    """`docker build` through the SDK with streamed progress; returns the image id."""
    stream = client.api.build(
        fileobj=context,
        custom_context=True,
        tag=name,
        labels=labels,
        buildargs=buildargs or {},
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
    )

    def failed(step: str, error: str, detail: str) -> CourseError:
        return CourseError(
            f"Building the stand-in {name} failed at {step[:80]}: {error[-300:]}\n{detail}".rstrip(),
            "check that containers reach the Debian mirror (`docker run --rm debian:bookworm-slim apt-get "
            "update`), then run `python -m course images` again",
        )

    image_id = follow_build(stream, Heartbeat(log, f"building {name}"), log, failed)
    if not image_id:
        raise CourseError(
            f"Building {name} produced no image.",
            "run `python -m course images` again; if it repeats, `docker build` the folder in course/standins to see "
            "why",
        )
    return image_id


def build_busybox(client: "docker.DockerClient", name: str, log: Log) -> str:
    """busybox stand-in: the host's static busybox binary in a scratch image."""
    banner = subprocess.run([str(HOST_BUSYBOX)], capture_output=True, text=True, check=False).stdout
    found = re.search(r"BusyBox v(\S+) \(([^)]*)\)", banner)
    version, package = (found.group(1), found.group(2)) if found else ("unknown", "unknown build")
    detail = f"static busybox {version} from the host ({package})"
    wanted = split_name(name)[1]
    if wanted[:1].isdigit() and not version.startswith(wanted):
        log(f"  note: the host's busybox is {version}, not {wanted}; the image is still tagged {wanted}")
    context = _context_tar(standin_dir(name), {"busybox": HOST_BUSYBOX})
    return build_dockerfile(
        client, name, context=context, labels=standin_labels(f"debian-{SUITE}", detail), buildargs=None, log=log
    )


def build_from_dockerfile(client: "docker.DockerClient", name: str, base: str, log: Log) -> str:
    """A stand-in FROM another catalog image, from `course/standins/<name>/Dockerfile`."""
    folder = standin_dir(name)
    if not (folder / "Dockerfile").is_file():
        raise CourseError(
            f"No stand-in recipe for {name} (expected {folder}/Dockerfile).",
            "reinstall the course package; the standins folder is incomplete",
        )
    detail = f"Debian {SUITE} packages, built FROM {base} with course/standins/{folder.name}/Dockerfile"
    return build_dockerfile(
        client,
        name,
        context=_context_tar(folder),
        labels=standin_labels(f"debian-{SUITE}", detail),
        buildargs={"BASE": base},
        log=log,
    )


# --------------------------------------------------------------------------- debootstrap
