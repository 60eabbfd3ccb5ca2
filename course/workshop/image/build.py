"""Build the workshop's single-user image (`docker-course/singleuser`) for Zero to JupyterHub.

Containers on the course machines reach no package index, but the host does:
the Python packages are downloaded here as wheels for the image's Python and
platform, then installed offline inside the build. The download is cached under
COURSE_BUILD_TMP/docker-course-wheels/KEY, KEY a digest of the pins, the
platform and the pip version, so a rebuild (or the test suite) downloads
nothing. The pins are the one-machine workshop runtime's (course.sandbox.runtime
.WORKSHOP), read from requirements.txt: one pin set for every place a learner's
server runs.

The image is built from the course's own base image (python:3.11-slim, pulled
or the offline stand-in) with the Docker SDK. Its content (the context's files,
the base image's id) is digested into a label and a second tag, so building
again when nothing changed costs one inspect, and a cluster can pin the exact
content (`<version>-<digest>`).
"""

from __future__ import annotations

import compileall
import importlib.metadata
import os
import py_compile
import shutil
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from checker import settings
from course.workshop.image.wheels import PYTHON_VERSION, ImageError, content_key, daemon_machine, ensure_wheels

REPOSITORY = "docker-course/singleuser"
BASE_IMAGE = "python:3.11-slim"
CONTENT = "org.dockercourse.content"  # label: the digest of what the image was built from
HERE = Path(__file__).resolve().parent
IMAGE_SRC = "/opt/docker-course/src"  # where the Dockerfile puts the course: what checker.settings sees as the checkout
SOURCES = ("checker", "course")  # copied whole (minus caches); notebooks/ only its *.ipynb
BUILD_TIMEOUT = 1800

Log = Callable[[str], None]


@dataclass(frozen=True)
class Built:
    """What `build` made (or found already built)."""

    tag: str  # docker-course/singleuser:<version>
    exact_tag: str  # docker-course/singleuser:<version>-<digest>: this content only
    image_id: str
    reused: bool  # True: an image of the same content was there, nothing was built
    seconds: float


def version() -> str:
    """The course's version (pyproject.toml), the tag a cluster's config names."""
    with open(settings.REPO_ROOT / "pyproject.toml", "rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])


def pins() -> list[str]:
    """`name==version` of what the image installs: the workshop runtime's packages, as requirements.txt pins them,
    plus the pip that installs them (this venv's: known to work)."""
    from course.sandbox import runtime

    wanted = runtime.pins(packages=runtime.WORKSHOP.packages)
    return [*wanted, f"pip=={importlib.metadata.version('pip')}"]


def docker_cli() -> Path:
    """The host's Docker CLI, copied into the image. The build runs it once: a binary that cannot run on the
    image's base (a dynamic one needing libraries the base lacks) fails the build, not a learner's cell."""
    found = shutil.which("docker")
    if found is None:
        raise ImageError(
            "No `docker` command on this machine to copy into the image.",
            "install the Docker CLI (Debian's docker.io package)",
        )
    return Path(found).resolve()


def source_files() -> list[tuple[Path, str]]:
    """(file, path in the context) of the course copied into the image: the packages (no caches, no hidden
    files) and the notebooks, never a learner's workspace."""
    root = settings.REPO_ROOT
    found: list[tuple[Path, str]] = []
    for package in SOURCES:
        for path in sorted((root / package).rglob("*")):
            parts = path.relative_to(root).parts
            if path.is_file() and "__pycache__" not in parts and not any(p.startswith(".") for p in parts):
                found.append((path, f"src/{'/'.join(parts)}"))
    for path in sorted(settings.NOTEBOOKS_DIR.glob("*.ipynb")):
        found.append((path, f"src/notebooks/{path.name}"))
    return found


def _place(source: Path, target: Path) -> None:
    """A hard link when the context shares the file system (the wheel cache: no copy), else a copy."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def prepare_context(folder: Path, wheels: Path, cli: Path) -> None:
    """Lay out the build context the Dockerfile expects in `folder`."""
    for name in ("Dockerfile", "entrypoint.sh"):
        shutil.copy2(HERE / name, folder / name)
    os.chmod(folder / "entrypoint.sh", 0o755)
    for wheel in sorted(wheels.iterdir()):
        _place(wheel, folder / "wheels" / wheel.name)
    _place(cli, folder / "docker")
    for source, relative in source_files():
        _place(source, folder / relative)
    _compile(folder / "src")


def _compile(src: Path) -> None:
    """Bytecode for the course, so no learner process compiles it (the image's copy is read-only to them).

    Compiled here, by this Python when it is the image's minor version (same bytecode), as checked-hash
    pycs named by their path in the image: the same sources always give the same files, so the content
    digest stays stable, and a pyc is used only while its source is unchanged."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" != PYTHON_VERSION:
        return
    compileall.compile_dir(
        src,
        ddir=IMAGE_SRC,
        quiet=1,
        invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
    )


def content_digest(folder: Path, base_id: str) -> str:
    """What the image is made of: every file of the context (path, mode, bytes) and the base image."""
    parts = [base_id.encode()]
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        parts.append(f"{path.relative_to(folder).as_posix()}:{path.stat().st_mode & 0o777:o}".encode())
        parts.append(path.read_bytes())
    return content_key(parts)


def _require_base(client, base: str) -> str:
    import docker.errors

    try:
        return str(client.api.inspect_image(base)["Id"])
    except docker.errors.ImageNotFound:
        fix = "run `python -m course images` (it pulls it, or builds the offline stand-in)"
        raise ImageError(
            f"The base image {base} is not on this machine.",
            fix if base == BASE_IMAGE else f"`docker pull {base}` or build it, then build again",
        ) from None


def _existing(client, tag: str, digest: str) -> str | None:
    """The id of `tag` if it was built from this very content."""
    import docker.errors

    try:
        found = client.api.inspect_image(tag)
    except docker.errors.ImageNotFound:
        return None
    labels = (found.get("Config") or {}).get("Labels") or {}
    return str(found["Id"]) if labels.get(CONTENT) == digest else None


def _run_build(client, folder: Path, tag: str, labels: dict[str, str], buildargs: dict[str, str], log: Log) -> str:
    """`docker build` through the SDK (classic builder), streaming the steps; returns the image id.

    The Dockerfile labels the image (and its first stage) as the course's; `labels` adds the content digest,
    each label being one more step."""
    from course.images.standin_build import Heartbeat, follow_build

    stream = client.api.build(
        path=str(folder),
        tag=tag,
        labels=labels,
        buildargs=buildargs,
        rm=True,
        forcerm=True,
        pull=False,
        decode=True,
    )

    def failed(step: str, error: str, detail: str) -> ImageError:
        return ImageError(
            f"Building {tag} failed at {step[:100]}: {error[-300:]}\n{detail}".rstrip(),
            "read the step's output above; `python -m course images` if the base image is broken",
        )

    image_id = follow_build(stream, Heartbeat(log, f"building {tag}"), log, failed)
    if not image_id:
        raise ImageError(f"Building {tag} produced no image.", "build again; if it repeats, report the output above")
    return str(image_id)


def build(
    client=None,
    *,
    base: str = BASE_IMAGE,
    force: bool = False,
    log: Log = print,
) -> Built:
    """The single-user image for this checkout, built if no image of the same content exists (or `force`)."""
    from checker.docker_client import get_client

    started = time.monotonic()
    client = client or get_client(timeout=BUILD_TIMEOUT)
    base_id = _require_base(client, base)
    wanted = pins()
    wheels = ensure_wheels(wanted, daemon_machine(client), log)
    cli = docker_cli()
    tag = f"{REPOSITORY}:{version()}"
    context_root = Path(settings.BUILD_TMP.get())
    context_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="docker-course-singleuser-", dir=context_root) as tmp:
        folder = Path(tmp)
        prepare_context(folder, wheels, cli)
        digest = content_digest(folder, base_id)
        exact = f"{tag}-{digest}"
        found = None if force else _existing(client, exact, digest)
        if found:
            client.api.tag(found, REPOSITORY, tag.split(":", 1)[1])
            seconds = time.monotonic() - started
            log(f"✔ {tag} is up to date ({exact}, {found[7:19]}), {seconds:.1f} s")
            return Built(tag, exact, found, True, seconds)
        log(f"building {tag} from {base} ({base_id[7:19]})")
        image_id = _run_build(client, folder, exact, {CONTENT: digest}, {"BASE": base, "PINS": ",".join(wanted)}, log)
    client.api.tag(image_id, REPOSITORY, tag.split(":", 1)[1])
    _remove_older(client, keep=exact, log=log)
    seconds = time.monotonic() - started
    log(f"✔ built {tag} ({exact}, {image_id[7:19]}) in {seconds:.0f} s")
    return Built(tag, exact, image_id, False, seconds)


def _remove_older(client, keep: str, log: Log) -> None:
    """Untag the images this builder made from older content (`<version>-<digest>` tags of REPOSITORY with a
    content label): each rebuild of a changed checkout would otherwise leave one behind. An image a container
    still uses stays."""
    import docker.errors

    for found in client.api.images(name=REPOSITORY, filters={"label": CONTENT}):
        for old in found.get("RepoTags") or []:
            if old == keep or not old.startswith(f"{REPOSITORY}:") or "-" not in old.split(":", 1)[1]:
                continue
            try:
                client.api.remove_image(old)
                log(f"  removed the older {old}")
            except docker.errors.APIError:
                pass
