"""The debian:bookworm-slim stand-in: debootstrap a minbase rootfs from the host's mirror, slim it, import it.

Also where that mirror comes from (the host's apt sources, or COURSE_DEBIAN_MIRROR),
which the other stand-ins' Dockerfiles use too.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from checker import settings
from checker.errors import CourseError, explain
from course.images.standin_build import (
    DEFAULT_PATH,
    MIRROR_ENV,
    SUITE,
    Heartbeat,
    Log,
    debootstrap_path,
    elapsed,
    split_name,
    standin_dir,
    standin_labels,
)

if TYPE_CHECKING:
    import docker

# What the official slim image drops (debuerreotype's slimify lists), and keeps.
SLIM_EXCLUDE = (
    "usr/share/doc",
    "usr/share/groff",
    "usr/share/info",
    "usr/share/linda",
    "usr/share/lintian/overrides",
    "usr/share/locale",
    "usr/share/man",
)
SLIM_KEEP = ("usr/share/doc/*/copyright", "usr/share/locale/locale.alias")
# Build-time leftovers and host details that debootstrap copies into the tree.
ROOTFS_JUNK = (
    "var/log/dpkg.log",
    "var/log/bootstrap.log",
    "var/log/alternatives.log",
    "var/log/apt/history.log",
    "var/log/apt/term.log",
    "var/cache/ldconfig/aux-cache",
    "run/mount/utab",
    "etc/apt/sources.list",
    "etc/apt/apt.conf.d/01autoremove-kernels",
)
DEBIAN_SUITES = {
    "buster",
    "bullseye",
    "bookworm",
    "trixie",
    "forky",
    "sid",
    "oldoldstable",
    "oldstable",
    "stable",
    "testing",
    "unstable",
}


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
    override = settings.DEBIAN_MIRROR.get().strip()
    if override:
        archive = override.rstrip("/")
    if not archive:
        raise CourseError(
            "Found no Debian package mirror in this machine's apt sources.",
            f"set {MIRROR_ENV} to a Debian mirror URL (the …/debian directory), then retry",
        )
    return archive, security


def _debian_sources(archive: str, security: str | None) -> str:
    keyring = "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n"
    text = f"Types: deb\nURIs: {archive}\nSuites: {SUITE} {SUITE}-updates\nComponents: main\n{keyring}"
    if security:
        text += f"\nTypes: deb\nURIs: {security}\nSuites: {SUITE}-security\nComponents: main\n{keyring}"
    return text


# --------------------------------------------------------------------------- build helpers


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
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True
    )
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
        raise CourseError(
            f"Building the {name} stand-in runs debootstrap, which needs root.",
            "run `sudo -E python -m course images`, or `python -m course images --import FILE` with a bundle made "
            "elsewhere",
        )
    archive, security = debian_mirrors()
    if not archive.startswith("http://"):
        log(
            f"  note: the mirror {archive} is not plain http; apt inside containers may fail to reach it (set "
            f"{MIRROR_ENV})"
        )
    work = Path(tempfile.mkdtemp(prefix="dockercourse-rootfs-", dir=settings.BUILD_TMP.get()))
    try:
        rootfs, tarball = work / "rootfs", work / "rootfs.tar"
        phase = time.monotonic()
        log(f"  debootstrap --variant=minbase {SUITE} from {archive} (about 30-60 s) …")
        code, lines = _run_streamed(
            [debootstrap_path() or "debootstrap", "--variant=minbase", SUITE, str(rootfs), archive],
            Heartbeat(log, "debootstrap"),
        )
        if code != 0:
            tail = " / ".join(line for line in lines[-4:] if line)
            raise CourseError(
                f"debootstrap failed (exit {code}): {tail}",
                f"check the mirror is reachable (`curl -sI {archive}/dists/{SUITE}/Release`) or set {MIRROR_ENV}, "
                "then run `python -m course images` again",
            )
        log(f"  ✔ debootstrap done in {elapsed(phase)}")
        phase = time.monotonic()
        _configure(rootfs, archive, security)
        _slim(rootfs)
        tar = subprocess.run(
            [
                "tar",
                "--numeric-owner",
                "--xattrs",
                "--xattrs-include=*",
                "-C",
                str(rootfs),
                "--exclude=./dev/*",
                "--exclude=./proc/*",
                "--exclude=./sys/*",
                "-cf",
                str(tarball),
                ".",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if tar.returncode > 1:  # 1 = "file changed as we read it", harmless here
            raise CourseError(
                f"Packing the Debian rootfs failed: {tar.stderr.strip()[-300:]}",
                "check free disk space in /var/tmp (or set COURSE_BUILD_TMP), then run `python -m course images` again",
            )
        log(f"  ✔ slimmed and packed rootfs ({tarball.stat().st_size / 1e6:.0f} MB) in {elapsed(phase)}")
        phase = time.monotonic()
        labels = standin_labels(
            f"debian-{SUITE}", f"debootstrap --variant=minbase {SUITE}, slimmed like the official -slim image"
        )
        changes = [
            "LABEL " + " ".join(f"{key}={json.dumps(value)}" for key, value in labels.items()),
            f"ENV PATH={DEFAULT_PATH}",
            'CMD ["bash"]',
        ]
        repo, tag = split_name(name)
        try:
            answer = client.api.import_image(src=str(tarball), repository=repo, tag=tag, changes=changes)
        except Exception as exc:  # noqa: BLE001
            raise explain(exc) from None
        image_id = None
        for line in str(answer).splitlines():
            data = json.loads(line) if line.strip().startswith("{") else {}
            if data.get("error"):
                raise CourseError(
                    f"docker import of the Debian rootfs failed: {data['error']}",
                    "check `docker info` and free disk space, then run `python -m course images` again",
                )
            image_id = data.get("status", image_id)
        log(f"  ✔ imported in {elapsed(phase)}")
        return str(image_id)
    finally:
        _remove_tree(work)
