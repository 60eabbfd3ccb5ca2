"""Pure rules of checker/facts/production.py and checker/facts/image_archive.py: build stages, health
settings, users, mounts, and the layers of a `docker save` archive (written here with tarfile)."""

from __future__ import annotations

import io
import json
import tarfile

from checker.facts.build_log import BuildStep
from checker.facts.containers import Container
from checker.facts.image_archive import read_saved_image
from checker.facts.production import (
    HealthSettings,
    build_stages,
    builds_on_stage,
    is_root_user,
    mount_type_at,
    status_uids,
)


def _step(number: int, instruction: str, image: str | None) -> BuildStep:
    return BuildStep(number, 6, instruction, image=image)


def test_build_stages_are_split_at_each_from() -> None:
    steps = [
        _step(1, "FROM debian:bookworm-slim AS build", "aaa"),
        _step(2, "RUN make", "bbb"),
        _step(3, "FROM scratch", None),
        _step(4, "COPY --from=build /p /p", "ccc"),
    ]
    first, final = build_stages(steps)
    assert (first.base, first.alias, first.image) == ("debian:bookworm-slim", "build", "bbb")
    assert (final.number, final.base, final.image) == (1, "scratch", "ccc")
    assert builds_on_stage(final, [first]) is None


def test_a_final_stage_from_an_earlier_stage_is_found_by_alias_or_number() -> None:
    steps = [_step(1, "FROM busybox:1.35 as tools", "aaa"), _step(2, "FROM tools", "aaa")]
    first, final = build_stages(steps)
    assert builds_on_stage(final, [first]) == first
    numbered = build_stages([_step(1, "FROM busybox:1.35", "aaa"), _step(2, "FROM 0", "aaa")])
    assert builds_on_stage(numbered[1], numbered[:1]) == numbered[0]


def test_health_settings_fill_in_the_engine_defaults() -> None:
    assert not HealthSettings.from_config({}).defined
    assert not HealthSettings.from_config({"Healthcheck": {"Test": ["NONE"]}}).defined
    default = HealthSettings.from_config({"Healthcheck": {"Test": ["CMD-SHELL", "curl -f http://x/"]}})
    assert (default.interval, default.timeout, default.retries) == (30.0, 30.0, 3)
    assert default.command == "curl -f http://x/"
    quick = HealthSettings.from_config(
        {"Healthcheck": {"Test": ["CMD", "python3", "-c", "print(1)"], "Interval": 2_000_000_000, "Retries": 2}}
    )
    assert quick.interval == 2.0 and quick.retries == 2 and quick.command == "python3 -c 'print(1)'"
    assert quick.unhealthy_after == 2 * 2.0 + 30.0


def test_users_and_uids() -> None:
    assert is_root_user("") and is_root_user("root") and is_root_user("0:0") and is_root_user("root:app")
    assert not is_root_user("app") and not is_root_user("10001:10001")
    assert status_uids("Name:\tpython3\nUid:\t10001\t10001\t10001\t10001\nGid:\t0\n") == [10001] * 4
    assert status_uids("Name: x\n") is None


def test_mount_type_at_knows_both_tmpfs_spellings() -> None:
    flag = Container({"Id": "1", "HostConfig": {"Tmpfs": {"/tmp": "rw,size=16m"}}, "Mounts": []})
    mount = Container({"Id": "2", "HostConfig": {}, "Mounts": [{"Type": "tmpfs", "Destination": "/tmp"}]})
    volume = Container({"Id": "3", "HostConfig": {}, "Mounts": [{"Type": "volume", "Destination": "/tmp/"}]})
    assert mount_type_at(flag, "/tmp") == mount_type_at(mount, "/tmp/") == "tmpfs"
    assert mount_type_at(volume, "/tmp") == "volume"
    assert mount_type_at(flag, "/data") is None


def _tar(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_a_saved_image_keeps_a_deleted_file_in_the_layer_that_added_it() -> None:
    config = {
        "history": [
            {"created_by": "/bin/sh -c #(nop) ADD file:abc in / "},
            {"created_by": "/bin/sh -c #(nop) ENV A=1", "empty_layer": True},
            {"created_by": "/bin/sh -c #(nop) COPY file:def in /tmp/token.txt "},
            {"created_by": "/bin/sh -c rm /tmp/token.txt"},
        ]
    }
    archive = _tar(
        {
            "manifest.json": json.dumps(
                [{"Config": "c.json", "Layers": ["1/layer.tar", "2/layer.tar", "3/layer.tar"]}]
            ).encode(),
            "c.json": json.dumps(config).encode(),
            "1/layer.tar": _tar({"bin/sh": b"#!"}),
            "2/layer.tar": _tar({"tmp/token.txt": b"hunter2\n"}),
            "3/layer.tar": _tar({"tmp/.wh.token.txt": b""}),
        }
    )
    saved = read_saved_image(io.BytesIO(archive), needle=b"hunter2", keep=("tmp/token.txt",))
    (layer, item), *rest = list(saved.layers_holding_needle())
    assert not rest and layer.number == 2 and item.path == "tmp/token.txt"
    assert layer.step == "COPY file:def in /tmp/token.txt"
    assert saved.layers[2].whiteouts == ["tmp/token.txt"] and saved.layers[2].step == "RUN rm /tmp/token.txt"
    found = saved.newest_file("/tmp/token.txt")
    assert found is not None and found[1].content == b"hunter2\n"
    assert "ENV A=1" in saved.config_text and len(saved.history) == 4
