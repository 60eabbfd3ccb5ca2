"""The backup kinds (checker/kinds/backups.py) against the real daemon: an archive on the host, a restore
compared file by file, and a file whose lines come from several containers."""

from __future__ import annotations

import io
import tarfile

import pytest

from checker.kinds import backups
from checker.labels import course_labels

from .helpers import BUSYBOX, unique, write

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-backups"
FILL = "mkdir -p /data/2024 && echo one > /data/a.txt && echo two > /data/2024/b.txt"


def _archive(path, members: dict[str, str]) -> None:
    with tarfile.open(path, "w") as archive:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_archive_holds(ctx) -> None:
    target = ctx.path("backup")
    target.mkdir(parents=True)
    missing = backups.archive_holds(ctx, path="backup/x.tar", members=["a.txt"])
    assert not missing.passed and "backup/x.tar does not exist yet" in missing.message
    _archive(target / "x.tar", {"./a.txt": "1", "./2024/b.txt": "2"})
    assert backups.archive_holds(ctx, path="backup/x.tar", members=["a.txt", "2024/b.txt"]).passed
    _archive(target / "deep.tar", {"data/a.txt": "1"})
    assert backups.archive_holds(ctx, path="backup/deep.tar", members=["a.txt"]).passed
    lacking = backups.archive_holds(ctx, path="backup/deep.tar", members=["2024/b.txt"])
    assert not lacking.passed and "lacks 2024/b.txt; it holds: data/a.txt" in lacking.message
    (target / "plain.tar").write_text("not an archive")
    assert "is not a tar archive" in backups.archive_holds(ctx, path="backup/plain.tar", members=["a"]).message


def _filled(client, tracker, script: str) -> str:
    name = unique("t8-bk")
    tracker.volumes.append(name)
    client.volumes.create(name, labels=course_labels(EXERCISE))
    client.containers.run(
        BUSYBOX, ["sh", "-c", script], remove=True, labels=course_labels(EXERCISE), volumes={name: {"bind": "/data"}}
    )
    return name


def test_volumes_match(docker_client, tracker, ctx) -> None:
    original = _filled(docker_client, tracker, FILL)
    copy = _filled(docker_client, tracker, FILL)
    deeper = _filled(docker_client, tracker, FILL.replace("/data", "/data/data"))
    changed = _filled(docker_client, tracker, FILL.replace("two", "TWO"))
    assert backups.volumes_match(ctx, volume=copy, original=original).passed
    deep = backups.volumes_match(ctx, volume=deeper, original=original)
    assert not deep.passed and "one folder too deep" in deep.message and "data/2024/b.txt" in deep.message
    differs = backups.volumes_match(ctx, volume=changed, original=original)
    assert not differs.passed and "2024/b.txt in" in differs.message and "differ" in differs.message
    absent = backups.volumes_match(ctx, volume="t8-no-such-volume", original=original)
    assert not absent.passed and "There is no volume named 't8-no-such-volume'" in absent.message
    assert docker_client.api.volumes(filters={"name": "t8-no-such-volume"}).get("Volumes") in (None, [])


def test_file_spans_containers(ctx) -> None:
    pattern = r"container ([0-9a-f]{12})"
    write(ctx, "log.txt", "10:00 written by container 0123456789ab\n10:01 written by container 0123456789ab\n")
    once = backups.file_spans_containers(ctx, path="log.txt", pattern=pattern, fix="down, then up")
    assert not once.passed and "from 1 container(s)" in once.message and once.hint == "down, then up"
    write(ctx, "log.txt", "10:00 written by container 0123456789ab\n10:01 written by container ba9876543210\n")
    assert backups.file_spans_containers(ctx, path="log.txt", pattern=pattern).passed
    assert "does not exist yet" in backups.file_spans_containers(ctx, path="none.txt", pattern=pattern).message
