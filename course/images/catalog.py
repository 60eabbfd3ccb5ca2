"""The base images the course needs, whether they are here, and how to get them.

No registry is reachable on the course machines, so `provision` tries a pull
and falls back to building a labelled local stand-in (see standin_build).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from checker.errors import CourseError, explain
from checker.labels import STANDIN
from course.images import debian
from course.images import standin_build as standins

if TYPE_CHECKING:
    import docker

Log = Callable[[str], None]
PROVISION_FIX = "run `python -m course images` first (it builds what cannot be pulled)"


@dataclass(frozen=True)
class BaseImage:
    """One catalog entry: an upstream name with a pinned tag, and how to make a stand-in for it."""

    name: str
    purpose: str
    recipe: str  # "busybox" | "debootstrap" | "dockerfile"
    based_on: str | None = None


CATALOG: tuple[BaseImage, ...] = (
    BaseImage("busybox:1.35", "tiny shell image for first containers and network probes", "busybox"),
    BaseImage("debian:bookworm-slim", "Debian base for Dockerfile exercises (apt-get works)", "debootstrap"),
    BaseImage(
        "python:3.11-slim",
        "Python 3.11 with the full standard library for app images",
        "dockerfile",
        "debian:bookworm-slim",
    ),
    BaseImage(
        "redis:7.0", "Redis server for multi-container and Compose exercises", "dockerfile", "debian:bookworm-slim"
    ),
    BaseImage(
        "registry:2.8", "local Docker registry (v2) for push/pull exercises", "dockerfile", "debian:bookworm-slim"
    ),
)


@dataclass(frozen=True)
class ImageStatus:
    """Where one catalog image stands on this daemon."""

    name: str
    state: str  # "missing" | "pulled" | "standin" | "present"
    image_id: str | None
    size: int | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalise(name: str) -> str:
    """The form the Engine reports in RepoTags: no docker.io/library/ prefix, explicit tag."""
    repo, tag = standins.split_name(name)
    for prefix in ("docker.io/library/", "docker.io/", "index.docker.io/library/", "index.docker.io/"):
        if repo.startswith(prefix):
            repo = repo[len(prefix) :]
            break
    return f"{repo}:{tag}"


def _classify(name: str, entry: dict[str, Any] | None) -> ImageStatus:
    if entry is None:
        return ImageStatus(name, "missing", None, None)
    if (entry.get("Labels") or {}).get(STANDIN) == "true":
        state = "standin"
    elif entry.get("RepoDigests"):
        state = "pulled"
    else:
        state = "present"
    return ImageStatus(name, state, entry.get("Id"), entry.get("Size"))


def _listing(client: "docker.DockerClient") -> dict[str, dict[str, Any]]:
    """All local images by tag, from ONE /images/json call (doctor must stay fast)."""
    try:
        entries = client.api.images()
    except Exception as exc:  # noqa: BLE001 - daemon trouble becomes a learner message
        raise explain(exc) from None
    return {tag: entry for entry in entries for tag in (entry.get("RepoTags") or []) if tag != "<none>:<none>"}


def status(client: "docker.DockerClient", catalog: Sequence[BaseImage] = CATALOG) -> list[ImageStatus]:
    """The state of every catalog image, in catalog order, from a single API call."""
    tags = _listing(client)
    return [_classify(image.name, tags.get(normalise(image.name))) for image in catalog]


def named_in(texts: Iterable[str], catalog: Sequence[BaseImage] = CATALOG) -> list[BaseImage]:
    """The catalog images these texts mention by their full name (`busybox:1.35`), in catalog order.

    Grading workers carry only these: loading all five into a fresh daemon costs
    more than grading a chapter-0 notebook ten times.
    """
    text = "\n".join(texts)
    return [image for image in catalog if image.name in text]


def _dependency_order(catalog: Sequence[BaseImage]) -> list[BaseImage]:
    """Catalog order, except that an image comes after the catalog image it is built FROM."""
    by_name = {normalise(image.name): image for image in catalog}
    ordered: list[BaseImage] = []
    visiting: set[str] = set()

    def visit(image: BaseImage) -> None:
        key = normalise(image.name)
        if image in ordered:
            return
        if key in visiting:
            raise CourseError(
                f"The image catalog has a cycle at {image.name}.", "fix the based_on fields of the catalog"
            )
        visiting.add(key)
        base = by_name.get(normalise(image.based_on)) if image.based_on else None
        if base is not None:
            visit(base)
        ordered.append(image)

    for image in catalog:
        visit(image)
    return ordered


def _try_pull(client: "docker.DockerClient", image: BaseImage, log: Log) -> bool:
    """Pull the real image; any failure (no registry, rate limit, auth) just means 'build a stand-in'."""
    repo, tag = standins.split_name(image.name)
    started = time.monotonic()
    beat = standins.Heartbeat(log, f"pulling {image.name}")
    try:
        for chunk in beat.drain(client.api.pull(repo, tag=tag, stream=True, decode=True)):
            if chunk.get("error"):
                raise RuntimeError(chunk["error"])
            beat.note(f"{chunk.get('status', '')} {chunk.get('progress', '')}")
    except Exception as exc:  # noqa: BLE001 - every pull failure has the same fallback
        reason = str(getattr(exc, "explanation", None) or exc).strip().splitlines()[0][:140]
        log(f"  pull failed ({reason}); building a local stand-in instead")
        return False
    log(f"✔ {image.name} pulled in {standins.elapsed(started)}")
    return True


def _build(client: "docker.DockerClient", image: BaseImage, log: Log) -> None:
    started = time.monotonic()
    log(f"▶ {image.name}: building a local stand-in ({image.recipe})")
    standins.ensure_host_tools({image.recipe}, log)
    if image.recipe == "busybox":
        standins.build_busybox(client, image.name, log)
    elif image.recipe == "debootstrap":
        debian.build_debian(client, image.name, log)
    elif image.recipe == "dockerfile":
        standins.build_from_dockerfile(client, image.name, image.based_on or "debian:bookworm-slim", log)
    else:
        raise CourseError(
            f"Unknown recipe {image.recipe!r} for {image.name}.",
            "use one of busybox, debootstrap, dockerfile in the catalog",
        )
    log(f"✔ {image.name} built (standin) in {standins.elapsed(started)}")


def provision(
    client: "docker.DockerClient", *, offline: bool = False, catalog: Sequence[BaseImage] = CATALOG, log: Log = print
) -> list[ImageStatus]:
    """Make every catalog image present: leave what is here, else pull, else build a stand-in.

    Idempotent and cheap when everything is present (one image listing).
    `offline=True` skips the pull entirely, which is the right call on the
    course machines where no registry answers.
    """
    started = time.monotonic()
    current = {s.name: s for s in status(client, catalog)}
    todo = [image for image in _dependency_order(catalog) if current[image.name].state == "missing"]
    for image in catalog:
        if current[image.name].state != "missing":
            log(f"✔ {image.name} present ({current[image.name].state})")
    if not todo:
        return list(current.values())
    for image in todo:
        if offline or not _try_pull(client, image, log):
            _build(client, image, log)
    result = status(client, catalog)
    missing = [s.name for s in result if s.state == "missing"]
    if missing:
        raise CourseError(
            f"Still missing after provisioning: {', '.join(missing)}.",
            "read the build output above, fix the cause, then run `python -m course images` again",
        )
    log(f"All {len(result)} base images ready in {standins.elapsed(started)}")
    return result
