"""Reading a file out of a `docker cp` tar stream (checker/facts/archives.py)."""

from __future__ import annotations

import io
import tarfile

from checker.facts.archives import first_difference, first_file


def _tar(name: str, content: bytes | None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        info = tarfile.TarInfo(name)
        if content is None:
            info.type = tarfile.DIRTYPE
            archive.addfile(info)
        else:
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_the_first_member_in_chunks() -> None:
    data = _tar("error.log", b"incident 42\n")
    found = first_file([data[:100], data[100:]])
    assert (found.name, found.content) == ("error.log", b"incident 42\n")
    assert first_file([_tar("job", None)]).content is None


def test_where_two_files_differ() -> None:
    assert "line 2 is 'b'" in first_difference(b"a\nc\n", b"a\nb\n")
    assert "1 line(s)" in first_difference(b"a\nb\n", b"a\n")
    assert "bytes differ" in first_difference(b"a\n", b"a\r\n")
