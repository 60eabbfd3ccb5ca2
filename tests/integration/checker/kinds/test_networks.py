"""The network kinds (checker/kinds/networks.py) against the real daemon: plain containers on a
user-defined network, the default bridge and no network, built once per module and removed at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import docker.errors
import pytest

from checker.context import CheckContext
from checker.labels import course_labels

from .compose_env import TAG
from .helpers import run_kind

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-networks"


HTTPD = "mkdir -p /www && echo {text} > /www/index.html && exec httpd -f -p {port} -h /www"


@pytest.fixture(scope="module")
def plain(docker_client, tmp_path_factory) -> Iterator[dict[str, str]]:
    """A user-defined network with a server and a client, a server on the default bridge, an isolated container."""
    names = {
        "net": f"t56-net-{TAG}",
        "web": f"t56-web-{TAG}",
        "client": f"t56-client-{TAG}",
        "legacy": f"t56-legacy-{TAG}",
        "iso": f"t56-iso-{TAG}",
        "stray": f"t56-stray-{TAG}",
    }
    labels = course_labels(EXERCISE)
    containers: list[str] = []
    networks: list[str] = []
    try:
        docker_client.networks.create(names["net"], driver="bridge", labels={**labels, "lesson": "keep"})
        networks.append(names["net"])
        run = docker_client.containers.run
        for key, network, command in (
            ("web", names["net"], ["sh", "-c", HTTPD.format(text="web", port=80)]),
            ("client", names["net"], ["sleep", "600"]),
            ("legacy", "bridge", ["sh", "-c", HTTPD.format(text="legacy", port=80)]),
            ("iso", "none", ["sleep", "600"]),
        ):
            containers.append(names[key])
            run("busybox:1.35", command, name=names[key], network=network, labels=labels, detach=True)
        names["workdir"] = str(tmp_path_factory.mktemp("plain"))
        yield names
    finally:
        for name in containers:
            try:
                docker_client.api.remove_container(name, force=True)
            except docker.errors.NotFound:
                pass
        for name in networks:
            try:
                docker_client.api.remove_network(name)
            except docker.errors.NotFound:
                pass


@pytest.fixture
def ctx(plain) -> CheckContext:
    return CheckContext(EXERCISE, Path(plain["workdir"]))


def test_network_exists(ctx, plain) -> None:
    assert run_kind(ctx, "network_exists", network=plain["net"], driver="bridge", labels={"lesson": "keep"}).passed
    missing = run_kind(ctx, "network_exists", network=f"t56-nothing-{TAG}", why="It was pruned.")
    assert not missing.passed and "There is no network named" in missing.message and "It was pruned." in missing.message
    wrong_label = run_kind(ctx, "network_exists", network=plain["net"], labels={"lesson": "scratch"})
    assert not wrong_label.passed and "lacks the label lesson=scratch (lesson=keep)" in wrong_label.message
    wrong_driver = run_kind(ctx, "network_exists", network="host", driver="bridge")
    assert not wrong_driver.passed and "uses the 'host' driver" in wrong_driver.message


def test_network_absent(ctx, plain) -> None:
    assert run_kind(ctx, "network_absent", network=f"t56-nothing-{TAG}").passed
    still = run_kind(ctx, "network_absent", network=plain["net"])
    assert not still.passed and "still exists" in still.message and plain["web"] in still.message


def test_network_has_and_lacks_container(ctx, plain) -> None:
    assert run_kind(ctx, "network_has_container", network=plain["net"], container=plain["web"]).passed
    off = run_kind(ctx, "network_has_container", network=plain["net"], container=plain["legacy"])
    assert not off.passed and "it is on: bridge" in off.message and "docker network connect" in off.hint
    assert run_kind(ctx, "network_lacks_container", network="bridge", container=plain["web"]).passed
    on = run_kind(ctx, "network_lacks_container", network="bridge", container=plain["legacy"])
    assert not on.passed and "still attached to 'bridge'" in on.message


def test_network_ip_recorded(ctx, plain, docker_client) -> None:
    info = docker_client.api.inspect_container(plain["web"])
    address = info["NetworkSettings"]["Networks"][plain["net"]]["IPAddress"]
    answer = ctx.path("ip.txt")
    answer.write_text(address + "\n")
    assert run_kind(ctx, "network_ip_recorded", network=plain["net"], container=plain["web"], path="ip.txt").passed
    answer.write_text(address + "/16\n")
    prefixed = run_kind(ctx, "network_ip_recorded", network=plain["net"], container=plain["web"], path="ip.txt")
    assert not prefixed.passed and f"but {plain['web']!r} has {address}" in prefixed.message
    absent = run_kind(ctx, "network_ip_recorded", network=plain["net"], container=plain["web"], path="nothing.txt")
    assert not absent.passed and "does not exist yet" in absent.message


def test_network_mode_and_interfaces(ctx, plain) -> None:
    assert run_kind(ctx, "network_mode", container=plain["iso"], mode="none").passed
    bridged = run_kind(ctx, "network_mode", container=plain["legacy"], mode="host")
    assert not bridged.passed and "uses network mode 'bridge'" in bridged.message and "not 'host'" in bridged.message
    assert run_kind(ctx, "network_interfaces", container=plain["iso"], interfaces=["lo"]).passed
    more = run_kind(ctx, "network_interfaces", container=plain["client"], interfaces=["lo"])
    assert not more.passed and "'eth0'" in more.message


def test_network_can_reach(ctx, plain) -> None:
    assert run_kind(ctx, "network_can_reach", container=plain["client"], host=plain["web"], port=80).passed
    unresolved = run_kind(ctx, "network_can_reach", container=plain["client"], host=plain["legacy"], port=80, settle=0)
    assert not unresolved.passed and "does not resolve" in unresolved.message
    refused = run_kind(ctx, "network_can_reach", container=plain["client"], host=plain["web"], port=81, settle=0)
    assert not refused.passed and "refused" in refused.message and "does not resolve" not in refused.message
    assert run_kind(
        ctx, "network_can_reach", container=plain["client"], host=plain["legacy"], port=80, reach=False
    ).passed
    shared = run_kind(ctx, "network_can_reach", container=plain["client"], host=plain["web"], port=80, reach=False)
    assert not shared.passed and "must not be reachable" in shared.message


def test_network_name_resolves(ctx, plain) -> None:
    bridge = run_kind(
        ctx, "network_name_resolves", network="bridge", container=plain["legacy"], port=80, resolves=False
    )
    assert bridge.passed, bridge.message
    assert "does not resolve" in bridge.message
    assert run_kind(ctx, "network_name_resolves", network=plain["net"], container=plain["web"], port=80).passed
    wanted = run_kind(ctx, "network_name_resolves", network="bridge", container=plain["legacy"], port=80, resolves=True)
    assert not wanted.passed and "not by name" in wanted.message and "user-defined" in wanted.hint
    detached = run_kind(ctx, "network_name_resolves", network="bridge", container=plain["web"], port=80)
    assert not detached.passed and "is not attached to 'bridge'" in detached.message
