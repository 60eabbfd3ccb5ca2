"""Base images for sandboxes, with no registry: one `docker save` per image set, loaded into each sandbox.

The bundle is made ONCE from the root daemon with the course's own export
(`course.images.export_bundle`, the same as `images --export`) and cached under
a root-only folder, keyed by the images' ids, so a rebuilt image gives a new
bundle. Loading the file was faster than streaming `docker save | docker load`
from the main daemon per sandbox (chapter 1, busybox + Debian: 2.2 s against
3.0 s, bench/bench_sandbox.py): the save is paid once, not per sandbox.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from course.sandbox.model import STATE_DIR, ensure_state_dir
from course.sandbox.shell import SandboxError

BUNDLE_DIR = STATE_DIR.parent / "bundles"
PROVISION_FIX = "run `python -m course images` first (it builds the base images offline)"
KEEP_BUNDLES = 8  # older bundles (of images since rebuilt) are removed beyond this many


def chapter_images(chapter: int | str) -> list[str]:
    """The catalog images one chapter's exercises name, those named by the course apps they copy (a Dockerfile's
    FROM, a compose file's `image:`), plus the checks' probe image (busybox)."""
    import re

    from checker import settings
    from checker.probes import PROBE_IMAGE
    from course import images

    prefix = f"{int(chapter):02d}-" if str(chapter).isdigit() else str(chapter)
    files = sorted(settings.exercises_dir().glob(f"{prefix}*.toml"))
    if not files:
        raise SandboxError(
            f"No chapter file matches {prefix}* in {settings.exercises_dir()}.",
            "give a chapter number that exists, e.g. 1",
        )
    texts = [PROBE_IMAGE, *(f.read_text(encoding="utf-8") for f in files)]
    for app in sorted(p for p in settings.APPS_DIR.iterdir() if p.is_dir()):
        if any(re.search(rf"COURSE_APPS\W{{0,3}}{re.escape(app.name)}\b", text) for text in texts):
            texts += [f.read_text(encoding="utf-8", errors="replace") for f in sorted(app.rglob("*")) if f.is_file()]
    return [image.name for image in images.named_in(texts)]


def _catalog(names: Iterable[str]) -> list[Any]:
    from course import images

    by_name = {image.name: image for image in images.CATALOG}
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise SandboxError(
            f"Sandboxes load only the course's base images; not in the catalog: {', '.join(unknown)}.",
            f"use images from {', '.join(by_name)}",
        )
    return [by_name[name] for name in names]


def bundle(root_client: Any, names: Sequence[str]) -> Path:
    """The cached bundle of these images (made now from the root daemon if there is none yet)."""
    from course import images

    catalog = _catalog(sorted(set(names)))
    ids = []
    for status in images.status(root_client, catalog):
        if status.image_id is None:
            raise SandboxError(f"The base image {status.name} is not on the main daemon.", PROVISION_FIX)
        ids.append(f"{status.name}={status.image_id}")
    key = hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]
    ensure_state_dir()
    BUNDLE_DIR.mkdir(mode=0o700, exist_ok=True)
    path = BUNDLE_DIR / f"{key}.tar"
    if not path.is_file():
        images.export_bundle(root_client, path, catalog=catalog, log=lambda _line: None)
        _prune()
    os.utime(path)  # most recently used: kept by _prune
    return path


def _prune() -> None:
    bundles = sorted(BUNDLE_DIR.glob("*.tar"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in bundles[KEEP_BUNDLES:]:
        old.unlink(missing_ok=True)


def load(client: Any, path: Path) -> list[str]:
    """`docker load` of a bundle into a sandbox's daemon, streamed by root over the sandbox's socket."""
    from course import images

    return images.import_bundle(client, path, log=lambda _line: None)
