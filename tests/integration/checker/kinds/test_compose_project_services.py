"""The Compose project kinds (checker/kinds/compose_project_services.py) against real Compose v2 projects:
every service of a project up, and a named volume that keeps its data across `down` and `up`."""

from __future__ import annotations

import pytest

from checker.kinds import compose_networks, compose_project_services

from .compose_env import COMPOSE_DEFAULT_NETWORK_BIND, COMPOSE_GOOD, COMPOSE_ONE_EXITS, up

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-compose"


def test_project_services_up_fails_when_a_service_exits(ctx, compose_project) -> None:
    project, folder = compose_project
    up(folder, project, COMPOSE_ONE_EXITS)
    outcome = compose_project_services.project_services_up(ctx, project=project, services=["front", "store"], wait=2)
    assert not outcome.passed
    assert "front is exited with code 3" in outcome.message and "crashing" in outcome.message


def test_project_kinds_fail_when_the_project_is_down(ctx) -> None:
    outcome = compose_project_services.project_services_up(
        ctx, project="test07-never-started", services=["web"], wait=0
    )
    assert not outcome.passed and "has no containers" in outcome.message
    outcome = compose_project_services.project_volume_keeps_data(
        ctx, project="test07-never-started", service="web", volume="v", destination="/data"
    )
    assert not outcome.passed and "has no containers" in outcome.message


def test_project_kinds_pass_on_a_good_project(ctx, compose_project) -> None:
    project, folder = compose_project
    up(folder, project, COMPOSE_GOOD)
    services = compose_project_services.project_services_up(
        ctx, project=project, services=["front", "store"], service_images={"store": "redis:7.0"}
    )
    assert services.passed, services.message
    network = compose_networks.project_network_shared(
        ctx, project=project, network="backend", services=["front", "store"], reach_host="store", reach_port=6379
    )
    assert network.passed, network.message
    volume = compose_project_services.project_volume_keeps_data(
        ctx, project=project, service="store", volume="store-data", destination="/data"
    )
    assert volume.passed, volume.message


def test_project_kinds_fail_on_default_network_and_bind_mount(ctx, compose_project) -> None:
    project, folder = compose_project
    up(folder, project, COMPOSE_DEFAULT_NETWORK_BIND)
    network = compose_networks.project_network_shared(
        ctx, project=project, network="backend", services=["front", "store"]
    )
    assert not network.passed
    assert "There is no network 'backend'" in network.message and f"{project}_default" in network.message
    volume = compose_project_services.project_volume_keeps_data(
        ctx, project=project, service="store", volume="store-data", destination="/data"
    )
    assert not volume.passed
    assert "is a bind mount" in volume.message
    wrong_image = compose_project_services.project_services_up(
        ctx, project=project, services=["front"], service_images={"front": "redis:7.0"}
    )
    assert not wrong_image.passed and "runs 'busybox:1.35', not the image 'redis:7.0'" in wrong_image.message
