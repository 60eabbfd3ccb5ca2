"""A file inside a container, read the way `docker cp` reads it: a tar stream from the Engine.

`GET /containers/NAME/archive?path=…` works on a stopped container too (no exec needed), so a
check can compare what the learner copied out with the original, byte for byte.
"""

from __future__ import annotations

import io
import tarfile
from dataclasses import dataclass
from typing import Any, Iterable

from checker.i18n import _


@dataclass(frozen=True)
class Archived:
    """One regular file out of a container's archive: its name and content (None: not a regular file)."""

    name: str
    content: bytes | None


def first_file(chunks: Iterable[bytes]) -> Archived:
    """The first member of a `docker cp`-style tar stream (the path asked for)."""
    data = b"".join(chunks)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as archive:
        member = archive.next()
        if member is None:
            return Archived("", None)
        if not member.isfile():
            return Archived(member.name, None)
        extracted = archive.extractfile(member)
        return Archived(member.name, extracted.read() if extracted else None)


def read_from_container(api: Any, container: str, path: str) -> Archived:
    """The file at `path` in `container` (running or not); docker.errors.NotFound if there is none."""
    stream, _stat = api.get_archive(container, path)
    return first_file(stream)


def first_difference(expected: bytes, actual: bytes) -> str:
    """Where two texts part: the first line that differs, shown on both sides."""
    wanted = expected.decode(errors="replace").splitlines()
    got = actual.decode(errors="replace").splitlines()
    for number, (left, right) in enumerate(zip(wanted, got, strict=False), 1):
        if left != right:
            return _("line {number} is {copied!r} where the container's file has {original!r}").format(
                number=number, copied=right[:80], original=left[:80]
            )
    if len(got) != len(wanted):
        return _("it has {count} line(s), the container's file {original}").format(count=len(got), original=len(wanted))
    return _("the bytes differ (line endings or trailing whitespace)")
