"""The pure logic of checker/facts/volumes.py: tmpfs mounts, `stat` times, checksums, archives, volume users."""

from __future__ import annotations

import io
import tarfile
from datetime import datetime, timezone
from pathlib import Path

from checker.facts.containers import Container, Mount
from checker.facts.volumes import (
    archive_members,
    member_under,
    mount_words,
    one_folder_too_deep,
    parse_checksums,
    parse_stat_time,
    tmpfs_destinations,
    users_of,
)


def test_tmpfs_destinations_reads_both_spellings() -> None:
    container = Container(
        {
            "HostConfig": {"Tmpfs": {"/scratch": ""}},
            "Mounts": [{"Type": "tmpfs", "Destination": "/cache"}, {"Type": "volume", "Destination": "/data"}],
        }
    )
    assert tmpfs_destinations(container) == {"/scratch", "/cache"}
    assert tmpfs_destinations(Container({})) == set()


def test_mount_words() -> None:
    assert mount_words(Mount("volume", "/v", "/data", "notes", True)) == "the volume 'notes'"
    assert mount_words(Mount("volume", "/v", "/data", "a" * 64, True)).startswith("an anonymous volume")
    assert (
        mount_words(Mount("bind", "/home/me/site", "/site", "", True))
        == "a bind mount of the host folder /home/me/site"
    )


def test_parse_stat_time() -> None:
    parsed = parse_stat_time("2026-12-01 06:51:14.429774064 +0000\n")
    assert parsed == datetime(2026, 12, 1, 6, 51, 14, 429774, tzinfo=timezone.utc)
    assert parse_stat_time("2026-12-01 08:00:00 +0200") == datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)
    assert parse_stat_time("stat: can't stat") is None


def test_parse_checksums_and_one_folder_too_deep() -> None:
    output = "d41d8cd98f00b204e9800998ecf8427e  ./a.txt\nnoise\n0cc175b9c0f1b6a831c399e269772661  ./2024/b.txt\n"
    wanted = parse_checksums(output)
    assert wanted == {"a.txt": "d41d8cd98f00b204e9800998ecf8427e", "2024/b.txt": "0cc175b9c0f1b6a831c399e269772661"}
    deeper = {f"data/{path}": digest for path, digest in wanted.items()}
    assert one_folder_too_deep(deeper, wanted) == "data"
    assert one_folder_too_deep(wanted, wanted) is None
    assert one_folder_too_deep({"data/a.txt": "x"}, wanted) is None


def test_archive_members(tmp_path: Path) -> None:
    path = tmp_path / "backup.tar"
    with tarfile.open(path, "w:gz") as archive:
        for name in ("./", "./a.txt", "./2024/b.txt"):
            info = tarfile.TarInfo(name)
            if name.endswith("/"):
                info.type = tarfile.DIRTYPE
            archive.addfile(info, io.BytesIO(b""))
    members = archive_members(path)
    assert members == ["a.txt", "2024/b.txt"]
    assert member_under(members, "2024/b.txt") == "2024/b.txt"
    assert member_under(["data/2024/b.txt"], "2024/b.txt") == "data/2024/b.txt"
    assert member_under(members, "c.txt") is None
    (tmp_path / "plain.tar").write_text("not a tar")
    assert archive_members(tmp_path / "plain.tar") is None
    assert archive_members(tmp_path / "missing.tar") is None


def test_users_of() -> None:
    listing = [
        {"Names": ["/backup"], "State": "exited", "Mounts": [{"Name": "ledger", "Source": "/var/lib/x"}]},
        {"Names": ["/writer"], "State": "running", "Mounts": [{"Name": "", "Source": "/home/me/reports"}]},
        {"Names": ["/other"], "State": "running", "Mounts": []},
    ]
    assert users_of(listing, volume="ledger") == ["backup (exited)"]
    assert users_of(listing, folder="/home/me/reports") == ["writer (running)"]
    assert users_of(listing, volume="none") == []
