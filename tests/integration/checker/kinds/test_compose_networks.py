"""The Compose network kinds (checker/kinds/compose_networks.py) against chapter 06's tiers, with real Compose v2:
three tiers on two networks and a service with no network, started once for the module and always removed."""

from __future__ import annotations

import pytest

from .compose_env import TAG
from .helpers import run_kind

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-compose-networks"


def test_network_in_project(pctx, tiers) -> None:
    assert run_kind(pctx, "network_in_project", project=tiers["name"], network="frontnet").passed
    no_default = run_kind(pctx, "network_in_project", project=tiers["name"], network="default")
    assert not no_default.passed and f"but not '{tiers['name']}_default'" in no_default.message
    down = run_kind(pctx, "network_in_project", project=f"t56-down-{TAG}")
    assert not down.passed and "has no networks" in down.message


def test_network_service_attached(pctx, tiers) -> None:
    assert run_kind(
        pctx, "network_service_attached", project=tiers["name"], service="api", networks=["frontnet", "backnet"]
    ).passed
    extra = run_kind(pctx, "network_service_attached", project=tiers["name"], service="api", networks=["backnet"])
    assert not extra.passed and f"it should not be on ['{tiers['name']}_frontnet']" in extra.message
    unknown = run_kind(pctx, "network_service_attached", project=tiers["name"], service="cache", networks=["backnet"])
    assert not unknown.passed and "has no service 'cache'" in unknown.message


def test_network_service_mode(pctx, tiers) -> None:
    assert run_kind(pctx, "network_service_mode", project=tiers["name"], service="loner", mode="none").passed
    bridged = run_kind(pctx, "network_service_mode", project=tiers["name"], service="front", mode="host", wait=0)
    assert not bridged.passed and "not 'host'" in bridged.message and "frontnet" in bridged.message


def test_network_service_logs(pctx, tiers) -> None:
    assert run_kind(pctx, "network_service_logs", project=tiers["name"], service="db", contains="db ready").passed
    silent = run_kind(
        pctx, "network_service_logs", project=tiers["name"], service="db", contains="never printed", wait=0.5
    )
    assert not silent.passed and "do not contain 'never printed'" in silent.message


def test_reachability_matrix(pctx, tiers) -> None:
    right = run_kind(
        pctx,
        "reachability_matrix",
        project=tiers["name"],
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
        project=tiers["name"],
        settle=0,
        probes=[
            {"from": "front", "to": "db", "port": 5432, "reach": True},
            {"from": "front", "to": "api", "port": 8000, "reach": False},
        ],
    )
    assert not wrong.passed
    assert "front → db:5432 blocked (the name 'db' does not resolve" in wrong.message
    assert "front → api:8000 connects, but it must be blocked" in wrong.message
