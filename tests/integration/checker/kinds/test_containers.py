"""The container kinds (checker/kinds/containers.py) against the real daemon: events and labels."""

from __future__ import annotations

import time

import pytest

from checker.kinds import containers
from checker.labels import course_labels

from .helpers import BUSYBOX, run_sleeper, unique

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-containers"


def test_container_events_see_a_restart_and_its_absence(docker_client, tracker, ctx) -> None:
    name = unique("events")
    tracker.containers.append(name)
    container = docker_client.containers.create(
        BUSYBOX,
        ["sh", "-c", 'trap "exit 0" TERM; while true; do sleep 1; done'],
        name=name,
        labels=course_labels(EXERCISE),
    )
    container.start()
    container.stop(timeout=5)
    without = containers.container_events(
        ctx, container=name, sequence=["create", "start", "restart", "stop"], explain="(RestartCount stays 0.)"
    )
    assert not without.passed and "No `restart`" in without.message and "RestartCount" in without.message
    container.start()
    container.restart(timeout=5)
    container.stop(timeout=5)
    time.sleep(0.2)
    assert containers.container_events(ctx, container=name, sequence=["create", "start", "restart", "stop"]).passed


def test_container_events_tell_kill_from_stop(docker_client, tracker, ctx) -> None:
    name = unique("killed")
    container = run_sleeper(docker_client, tracker, name, EXERCISE)
    container.kill()
    time.sleep(0.2)
    assert containers.container_events(
        ctx, container=name, sequence=["create", "start", "kill", "die"], absent=["stop"]
    ).passed
    outcome = containers.container_events(ctx, container=name, sequence=["stop"])
    assert not outcome.passed and "No `stop`" in outcome.message and "kill (SIGKILL)" in outcome.message


def test_container_events_ignore_an_earlier_container_of_the_same_name(docker_client, tracker, ctx) -> None:
    name = unique("reused")
    first = run_sleeper(docker_client, tracker, name, EXERCISE)
    first.stop(timeout=1)
    first.remove()
    gone = containers.container_events(ctx, container=name, sequence=["create", "stop"])
    assert not gone.passed and f"There is no container named {name!r}" in gone.message
    run_sleeper(docker_client, tracker, name, EXERCISE)
    ctx.refresh()
    again = containers.container_events(ctx, container=name, sequence=["create", "stop"])
    assert not again.passed and "No `stop`" in again.message


def test_no_labelled_containers(docker_client, tracker, ctx) -> None:
    value = unique("scratch")
    name = unique("scratchbox")
    tracker.containers.append(name)
    docker_client.containers.create(BUSYBOX, "true", name=name, labels={**course_labels(EXERCISE), "purpose": value})
    outcome = containers.no_labelled_containers(ctx, label=f"purpose={value}")
    assert (
        not outcome.passed and "1 container(s) labelled" in outcome.message and f"{name} (created)" in outcome.message
    )
    docker_client.api.remove_container(name, force=True)
    assert containers.no_labelled_containers(ctx, label=f"purpose={value}").passed
