"""Image bundles: the whole catalog as ONE `docker save` tar, to move between machines or isolated daemons."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from checker.errors import CourseError, explain
from course.images import standin_build as standins
from course.images.catalog import CATALOG, PROVISION_FIX, BaseImage, normalise, status

if TYPE_CHECKING:
    import docker

Log = Callable[[str], None]


def export_bundle(
    client: "docker.DockerClient",
    path: str | os.PathLike[str],
    *,
    catalog: Sequence[BaseImage] = CATALOG,
    log: Log = print,
) -> Path:
    """`docker save` of every catalog image into ONE tar, so `docker load -i` restores all tags."""
    target = Path(path)
    missing = [s.name for s in status(client, catalog) if s.state == "missing"]
    if missing:
        raise CourseError(f"Cannot export: {', '.join(missing)} not present.", PROVISION_FIX)
    started = time.monotonic()
    names = [normalise(image.name) for image in catalog]
    log(f"Saving {len(names)} images to {target} …")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    try:
        # The SDK's get_image takes one name; the Engine's /images/get takes several.
        response = client.api._get(client.api._url("/images/get"), params={"names": names}, stream=True)
        client.api._raise_for_status(response)
        with partial.open("wb") as handle:
            for chunk in response.iter_content(chunk_size=1 << 20):
                handle.write(chunk)
        os.replace(partial, target)
    except CourseError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise explain(exc) from None
    finally:
        partial.unlink(missing_ok=True)
    log(f"✔ saved {target.stat().st_size / 1e6:.0f} MB in {standins.elapsed(started)}")
    return target


def import_bundle(client: "docker.DockerClient", path: str | os.PathLike[str], *, log: Log = print) -> list[str]:
    """`docker load` of a bundle; returns the tags it restored."""
    import docker.errors

    source = Path(path)
    if not source.is_file():
        raise CourseError(
            f"No image bundle at {source}.",
            "check the path, or make one with `python -m course images --export FILE` on a machine that has the images",
        )
    started = time.monotonic()
    log(f"Loading images from {source} ({source.stat().st_size / 1e6:.0f} MB) …")
    loaded: list[str] = []
    bad = f"The image bundle {source} is damaged or not a `docker save` archive"
    fix = "export it again (`python -m course images --export FILE`) and copy the whole file"
    try:
        with source.open("rb") as handle:
            for chunk in client.api.load_image(handle):
                if chunk.get("error") or chunk.get("errorDetail"):
                    raise CourseError(f"{bad}: {chunk.get('error') or chunk['errorDetail'].get('message')}.", fix)
                text = str(chunk.get("stream", "")).strip()
                for prefix in ("Loaded image: ", "Loaded image ID: "):
                    if text.startswith(prefix):
                        loaded.append(text[len(prefix) :])
    except CourseError:
        raise
    except docker.errors.APIError as exc:
        text = str(exc)
        if (exc.status_code or 500) < 500 or any(word in text for word in ("tar", "EOF", "manifest", "no such file")):
            raise CourseError(f"{bad}: {getattr(exc, 'explanation', None) or exc}.", fix) from None
        raise explain(exc) from None
    except Exception as exc:  # noqa: BLE001
        raise explain(exc) from None
    if not loaded:
        raise CourseError(f"{bad}: it contained no images.", fix)
    log(f"✔ loaded {', '.join(loaded)} in {standins.elapsed(started)}")
    return loaded
