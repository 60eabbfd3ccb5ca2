"""The network check kinds of chapters 05 and 06, against the real daemon and real Compose v2.

Each kind is shown to pass on a state that is right and to fail, with a
message that says why, on a state that is wrong. Two small topologies are
built once per module (plain containers on a user-defined network, and a
three-tier Compose project) and removed at the end even when a test fails.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Iterator

import docker.errors
import pytest

from checker.compose_project import run_compose
from checker.context import CheckContext
from checker.kinds import Outcome, get_kind
from checker.labels import course_labels

pytestmark = pytest.mark.docker

TAG = uuid.uuid4().hex[:6]
EXERCISE = "test-chapters-05-06"
HTTPD = "mkdir -p /www && echo {text} > /www/index.html && exec httpd -f -p {port} -h /www"


def run_kind(ctx: CheckContext, name: str, **params: Any) -> Outcome:
    ctx.refresh()
    return get_kind(name).func(ctx, **params)


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


TIERS = """
name: {project}
services:
  front:
    image: busybox:1.35
    command: ["sh", "-c", "mkdir -p /www && echo front > /www/index.html && exec httpd -f -p 80 -h /www"]
    networks: [frontnet]
  api:
    image: busybox:1.35
    command: ["sh", "-c", "mkdir -p /www && echo api > /www/index.html && exec httpd -f -p 8000 -h /www"]
    networks: [frontnet, backnet]
  db:
    image: busybox:1.35
    command: ["sh", "-c", "echo db ready && mkdir -p /www && echo db > /www/index.html && exec httpd -f -p 5432 -h /www"]
    networks: [backnet]
  loner:
    image: busybox:1.35
    command: ["sleep", "600"]
    network_mode: none
networks:
  frontnet:
  backnet:
"""

BOTH_MODES = """
services:
  web:
    image: busybox:1.35
    network_mode: host
    networks: [default]
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("tiers")
    name = f"t56-tiers-{TAG}"
    (folder / "compose.yaml").write_text(TIERS.format(project=name))
    (folder / "both.yaml").write_text(BOTH_MODES)
    try:
        up = run_compose(["up", "-d"], cwd=folder, project=name, timeout=120)
        assert up.returncode == 0, up.output
        yield {"name": name, "workdir": str(folder)}
    finally:
        run_compose(["down", "--timeout", "1"], cwd=folder, project=name, timeout=120)


@pytest.fixture
def pctx(project) -> CheckContext:
    return CheckContext(EXERCISE, Path(project["workdir"]))


# ---------------------------------------------------------------- plain networks (chapter 05)


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
    assert run_kind(ctx, "network_can_reach", container=plain["client"], host=plain["legacy"], port=80, reach=False).passed
    shared = run_kind(ctx, "network_can_reach", container=plain["client"], host=plain["web"], port=80, reach=False)
    assert not shared.passed and "must not be reachable" in shared.message


def test_network_name_resolves(ctx, plain) -> None:
    bridge = run_kind(ctx, "network_name_resolves", network="bridge", container=plain["legacy"], port=80, resolves=False)
    assert bridge.passed, bridge.message
    assert "does not resolve" in bridge.message
    assert run_kind(ctx, "network_name_resolves", network=plain["net"], container=plain["web"], port=80).passed
    wanted = run_kind(ctx, "network_name_resolves", network="bridge", container=plain["legacy"], port=80, resolves=True)
    assert not wanted.passed and "not by name" in wanted.message and "user-defined" in wanted.hint
    detached = run_kind(ctx, "network_name_resolves", network="bridge", container=plain["web"], port=80)
    assert not detached.passed and "is not attached to 'bridge'" in detached.message


# ---------------------------------------------------------------- Compose networks (chapter 06)


def test_network_compose_valid(pctx) -> None:
    assert run_kind(pctx, "network_compose_valid", path="compose.yaml").passed
    both = run_kind(pctx, "network_compose_valid", path="both.yaml")
    assert not both.passed and "mutually exclusive `network_mode` and `networks`" in both.message
    absent = run_kind(pctx, "network_compose_valid", path="nothing.yaml")
    assert not absent.passed and "does not exist yet" in absent.message


def test_network_in_project(pctx, project) -> None:
    assert run_kind(pctx, "network_in_project", project=project["name"], network="frontnet").passed
    no_default = run_kind(pctx, "network_in_project", project=project["name"], network="default")
    assert not no_default.passed and f"but not '{project['name']}_default'" in no_default.message
    down = run_kind(pctx, "network_in_project", project=f"t56-down-{TAG}")
    assert not down.passed and "has no networks" in down.message


def test_network_service_attached(pctx, project) -> None:
    assert run_kind(pctx, "network_service_attached", project=project["name"], service="api", networks=["frontnet", "backnet"]).passed
    extra = run_kind(pctx, "network_service_attached", project=project["name"], service="api", networks=["backnet"])
    assert not extra.passed and f"it should not be on ['{project['name']}_frontnet']" in extra.message
    unknown = run_kind(pctx, "network_service_attached", project=project["name"], service="cache", networks=["backnet"])
    assert not unknown.passed and "has no service 'cache'" in unknown.message


def test_network_service_mode(pctx, project) -> None:
    assert run_kind(pctx, "network_service_mode", project=project["name"], service="loner", mode="none").passed
    bridged = run_kind(pctx, "network_service_mode", project=project["name"], service="front", mode="host", wait=0)
    assert not bridged.passed and "not 'host'" in bridged.message and "frontnet" in bridged.message


def test_network_service_logs(pctx, project) -> None:
    assert run_kind(pctx, "network_service_logs", project=project["name"], service="db", contains="db ready").passed
    silent = run_kind(pctx, "network_service_logs", project=project["name"], service="db", contains="never printed", wait=0.5)
    assert not silent.passed and "do not contain 'never printed'" in silent.message


def test_reachability_matrix(pctx, project) -> None:
    right = run_kind(
        pctx,
        "reachability_matrix",
        project=project["name"],
        probes=[
            {"from": "front", "to": "api", "port": 8000, "reach": True},
            {"from": "api", "to": "db", "port": 5432, "reach": True},
            {"from": "front", "to": "db", "port": 5432, "reach": False},
            {"from": "api", "to": "db", "port": 5433, "reach": False},
        ],
    )
    assert right.passed, right.message
    assert "the name 'db' does not resolve" in right.message and "refused" in right.message
    wrong = run_kind(
        pctx,
        "reachability_matrix",
        project=project["name"],
        settle=0,
        probes=[
            {"from": "front", "to": "db", "port": 5432, "reach": True},
            {"from": "front", "to": "api", "port": 8000, "reach": False},
        ],
    )
    assert not wrong.passed
    assert "front → db:5432 blocked (the name 'db' does not resolve" in wrong.message
    assert "front → api:8000 connects, but it must be blocked" in wrong.message
