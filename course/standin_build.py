"""How each stand-in base image is made when no registry can be reached.

Three recipes, all offline apart from the Debian package mirror the host
already uses: `busybox` (the host's static busybox in a scratch image),
`debootstrap` (a minbase Debian rootfs, slimmed and `docker import`ed) and
`dockerfile` (a Dockerfile in `course/standins/<name>/`, built FROM another
catalog image). Long steps report progress through `Heartbeat`, so a learner
watching a notebook cell never sees a minute of silence.
"""
from __future__ import annotations

import fnmatch
import io
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from checker.errors import CourseError, explain
from checker.labels import STANDIN

if TYPE_CHECKING:
    import docker

Log = Callable[[str], None]
T = TypeVar("T")

STANDINS = Path(__file__).resolve().parent / "standins"
SUITE = "bookworm"
HOST_BUSYBOX = Path("/bin/busybox")
MIRROR_ENV = "COURSE_DEBIAN_MIRROR"
BUILD_TMP_ENV = "COURSE_BUILD_TMP"
APT_FIX = "sudo apt-get install -y debootstrap busybox-static"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
HEARTBEAT_SECONDS = 10.0
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# What the official slim image drops (debuerreotype's slimify lists), and keeps.
SLIM_EXCLUDE = ("usr/share/doc", "usr/share/groff", "usr/share/info", "usr/share/linda",
                "usr/share/lintian/overrides", "usr/share/locale", "usr/share/man")
SLIM_KEEP = ("usr/share/doc/*/copyright", "usr/share/locale/locale.alias")
# Build-time leftovers and host details that debootstrap copies into the tree.
ROOTFS_JUNK = ("var/log/dpkg.log", "var/log/bootstrap.log", "var/log/alternatives.log",
               "var/log/apt/history.log", "var/log/apt/term.log", "var/cache/ldconfig/aux-cache",
               "run/mount/utab", "etc/apt/sources.list", "etc/apt/apt.conf.d/01autoremove-kernels")
DEBIAN_SUITES = {"buster", "bullseye", "bookworm", "trixie", "forky", "sid",
                 "oldoldstable", "oldstable", "stable", "testing", "unstable"}


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
    return STANDINS / split_name(name)[0].rsplit("/", 1)[-1]


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
            phoff, phentsize, phnum = (num(32, 40), num(54, 56), num(56, 58)) if is64 else (num(28, 32), num(42, 44), num(44, 46))
            handle.seek(phoff)
            table = handle.read(phentsize * phnum)
    except OSError:
        return False
    return all(int.from_bytes(table[i * phentsize:i * phentsize + 4], order) != 3 for i in range(phnum))


def _debootstrap() -> str | None:
    return shutil.which("debootstrap") or next((p for p in ("/usr/sbin/debootstrap", "/sbin/debootstrap") if os.access(p, os.X_OK)), None)


def _missing_tools(recipes: set[str]) -> list[str]:
    missing = []
    if "debootstrap" in recipes and not _debootstrap():
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

def _apt_entries(text: str, deb822: bool) -> Iterator[tuple[list[str], list[str], list[str]]]:
    """(URIs, suites, components) of each `deb` entry in a sources file."""
    if not deb822:
        for line in text.splitlines():
            words = re.sub(r"\[[^\]]*\]", " ", line.split("#", 1)[0]).split()
            if len(words) >= 3 and words[0] == "deb":
                yield [words[1]], [words[2]], words[3:]
        return
    for stanza in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line or line[:1].isspace():
                continue
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if "deb" in fields.get("types", "").split() and fields.get("enabled", "yes").lower() != "no":
            yield fields.get("uris", "").split(), fields.get("suites", "").split(), fields.get("components", "").split()


def _source_files() -> list[Path]:
    main = Path("/etc/apt/sources.list")
    extra = sorted(Path("/etc/apt/sources.list.d").glob("*")) if Path("/etc/apt/sources.list.d").is_dir() else []
    return [p for p in [main, *extra] if p.is_file() and p.suffix in (".list", ".sources")]


def debian_mirrors() -> tuple[str, str | None]:
    """(archive, security) URLs from the host's apt sources; COURSE_DEBIAN_MIRROR overrides the archive.

    The archive is the first `main` entry whose suite is a Debian release (not
    -security); the security one, if any, is added to the image like upstream's.
    """
    archive: str | None = None
    security: str | None = None
    for path in _source_files():
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for uris, suites, components in _apt_entries(text, path.suffix == ".sources"):
            if "main" not in components:
                continue
            for suite in suites:
                base, _, pocket = suite.partition("-")
                base = base.split("/")[0]
                if base not in DEBIAN_SUITES:
                    continue
                for uri in uris:
                    if pocket == "security" or suite.endswith("/updates") or uri.rstrip("/").endswith("-security"):
                        security = security or uri.rstrip("/")
                    elif not pocket:
                        archive = archive or uri.rstrip("/")
    override = os.environ.get(MIRROR_ENV, "").strip()
    if override:
        archive = override.rstrip("/")
    if not archive:
        raise CourseError("Found no Debian package mirror in this machine's apt sources.",
                          f"set {MIRROR_ENV} to a Debian mirror URL (the …/debian directory), then retry")
    return archive, security


def _debian_sources(archive: str, security: str | None) -> str:
    keyring = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    text = f"Types: deb\nURIs: {archive}\nSuites: {SUITE} {SUITE}-updates\nComponents: main\n{keyring}"
    if security:
        text += f"\nTypes: deb\nURIs: {security}\nSuites: {SUITE}-security\nComponents: main\n{keyring}"
    return text


# --------------------------------------------------------------------------- build helpers

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


def build_dockerfile(client: "docker.DockerClient", name: str, *, context: io.BytesIO, labels: dict[str, str],
                     buildargs: dict[str, str] | None, log: Log) -> str:
    """`docker build` through the SDK with streamed progress; returns the image id."""
    beat = Heartbeat(log, f"building {name}")
    step, image_id, tail = "", None, []
    stream = client.api.build(fileobj=context, custom_context=True, tag=name, labels=labels, buildargs=buildargs or {},
                              rm=True, forcerm=True, pull=False, decode=True)
    try:
        for chunk in beat.drain(stream):
            if "error" in chunk:
                detail = "\n".join(tail[-8:])
                error = ANSI.sub("", str(chunk["error"])).strip()
                raise CourseError(f"Building the stand-in {name} failed at {(step or 'the first step')[:80]}: {error[-300:]}\n{detail}".rstrip(),
                                  "check that containers reach the Debian mirror (`docker run --rm debian:bookworm-slim apt-get update`), then run `python -m course images` again")
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
    if not image_id:
        raise CourseError(f"Building {name} produced no image.", "run `python -m course images` again; if it repeats, `docker build` the folder in course/standins to see why")
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
    return build_dockerfile(client, name, context=context, labels=standin_labels(f"debian-{SUITE}", detail), buildargs=None, log=log)


def build_from_dockerfile(client: "docker.DockerClient", name: str, base: str, log: Log) -> str:
    """A stand-in FROM another catalog image, from `course/standins/<name>/Dockerfile`."""
    folder = standin_dir(name)
    if not (folder / "Dockerfile").is_file():
        raise CourseError(f"No stand-in recipe for {name} (expected {folder}/Dockerfile).", "reinstall the course package; the standins folder is incomplete")
    detail = f"Debian {SUITE} packages, built FROM {base} with course/standins/{folder.name}/Dockerfile"
    return build_dockerfile(client, name, context=_context_tar(folder), labels=standin_labels(f"debian-{SUITE}", detail),
                            buildargs={"BASE": base}, log=log)


# --------------------------------------------------------------------------- debootstrap

def _unmount_below(root: Path) -> None:
    """Lazily unmount anything debootstrap left mounted under root (proc, sys) before deleting it."""
    try:
        mounts = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return
    prefix = str(root.resolve()) + "/"
    points = [m.split()[1].encode().decode("unicode_escape") for m in mounts if len(m.split()) > 1]
    for point in sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)


def _remove_tree(path: Path) -> None:
    _unmount_below(path)
    shutil.rmtree(path, ignore_errors=True)


def _slim(rootfs: Path) -> None:
    """What the official slim variant removes: docs (but copyright), man pages, locales, apt lists, logs."""
    for rel in SLIM_EXCLUDE:
        top = rootfs / rel
        if not top.is_dir():
            continue
        for path in sorted(top.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            relative = path.relative_to(rootfs).as_posix()
            if any(fnmatch.fnmatch(relative, keep) for keep in SLIM_KEEP):
                continue
            if path.is_dir() and not path.is_symlink():
                try:
                    path.rmdir()  # only when empty: kept files hold their directory
                except OSError:
                    pass
            else:
                path.unlink(missing_ok=True)
    for pattern in ("var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb"):
        for path in rootfs.glob(pattern):
            if path.is_file() or path.is_symlink():
                path.unlink()
    for rel in ROOTFS_JUNK:
        (rootfs / rel).unlink(missing_ok=True)


def _configure(rootfs: Path, archive: str, security: str | None) -> None:
    """Container tweaks the official image has, our apt sources, and no host identity in the image."""
    overlay = standin_dir("debian") / "rootfs"
    for source in overlay.rglob("*"):
        if source.is_file():
            target = rootfs / source.relative_to(overlay)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            target.chmod(0o755 if "sbin" in target.parts or "bin" in target.parts else 0o644)
    sources = rootfs / "etc/apt/sources.list.d/debian.sources"
    sources.parent.mkdir(parents=True, exist_ok=True)
    sources.write_text(_debian_sources(archive, security))
    (rootfs / "etc/hostname").write_text("localhost\n")
    (rootfs / "etc/resolv.conf").unlink(missing_ok=True)
    (rootfs / "etc/resolv.conf").write_text("")


def _run_streamed(cmd: list[str], beat: Heartbeat) -> tuple[int, list[str]]:
    # Own process group, so an interrupt or failure can stop debootstrap's children (dpkg, wget) too.
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace",
                               start_new_session=True)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in beat.drain(process.stdout):
            lines.append(line.rstrip())
            beat.note(line)
        return process.wait(), lines
    finally:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()


def build_debian(client: "docker.DockerClient", name: str, log: Log) -> str:
    """debian:bookworm-slim stand-in: debootstrap minbase, slim it, `docker import` it."""
    if hasattr(os, "geteuid") and os.geteuid() != 0:
        raise CourseError(f"Building the {name} stand-in runs debootstrap, which needs root.",
                          "run `sudo -E python -m course images`, or `python -m course images --import FILE` with a bundle made elsewhere")
    archive, security = debian_mirrors()
    if not archive.startswith("http://"):
        log(f"  note: the mirror {archive} is not plain http; apt inside containers may fail to reach it (set {MIRROR_ENV})")
    work = Path(tempfile.mkdtemp(prefix="dockercourse-rootfs-", dir=os.environ.get(BUILD_TMP_ENV) or "/var/tmp"))
    try:
        rootfs, tarball = work / "rootfs", work / "rootfs.tar"
        phase = time.monotonic()
        log(f"  debootstrap --variant=minbase {SUITE} from {archive} (about 30-60 s) …")
        code, lines = _run_streamed([_debootstrap() or "debootstrap", "--variant=minbase", SUITE, str(rootfs), archive],
                                    Heartbeat(log, "debootstrap"))
        if code != 0:
            tail = " / ".join(line for line in lines[-4:] if line)
            raise CourseError(f"debootstrap failed (exit {code}): {tail}",
                              f"check the mirror is reachable (`curl -sI {archive}/dists/{SUITE}/Release`) or set {MIRROR_ENV}, then run `python -m course images` again")
        log(f"  ✔ debootstrap done in {elapsed(phase)}")
        phase = time.monotonic()
        _configure(rootfs, archive, security)
        _slim(rootfs)
        tar = subprocess.run(["tar", "--numeric-owner", "--xattrs", "--xattrs-include=*", "-C", str(rootfs),
                              "--exclude=./dev/*", "--exclude=./proc/*", "--exclude=./sys/*", "-cf", str(tarball), "."],
                             capture_output=True, text=True, check=False)
        if tar.returncode > 1:  # 1 = "file changed as we read it", harmless here
            raise CourseError(f"Packing the Debian rootfs failed: {tar.stderr.strip()[-300:]}", "check free disk space in /var/tmp (or set COURSE_BUILD_TMP), then run `python -m course images` again")
        log(f"  ✔ slimmed and packed rootfs ({tarball.stat().st_size / 1e6:.0f} MB) in {elapsed(phase)}")
        phase = time.monotonic()
        labels = standin_labels(f"debian-{SUITE}", f"debootstrap --variant=minbase {SUITE}, slimmed like the official -slim image")
        changes = ["LABEL " + " ".join(f"{key}={json.dumps(value)}" for key, value in labels.items()),
                   f"ENV PATH={DEFAULT_PATH}", 'CMD ["bash"]']
        repo, tag = split_name(name)
        try:
            answer = client.api.import_image(src=str(tarball), repository=repo, tag=tag, changes=changes)
        except Exception as exc:  # noqa: BLE001
            raise explain(exc) from None
        image_id = None
        for line in str(answer).splitlines():
            data = json.loads(line) if line.strip().startswith("{") else {}
            if data.get("error"):
                raise CourseError(f"docker import of the Debian rootfs failed: {data['error']}", "check `docker info` and free disk space, then run `python -m course images` again")
            image_id = data.get("status", image_id)
        log(f"  ✔ imported in {elapsed(phase)}")
        return str(image_id)
    finally:
        _remove_tree(work)
