"""The Compose service kinds (checker/kinds/compose_services.py) against real Compose v2 projects:
chapter 04's stack and chapter 07's small projects (whose checks also prove a shared network), each removed
even when a test fails."""

from __future__ import annotations

import pytest

from checker.context import CheckContext

from .compose_env import NAME, PORT
from .helpers import run_kind

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-compose"


def test_service_running(stack: CheckContext) -> None:
    assert run_kind(stack, "compose_service_running", project=NAME, service="web", container_name=f"{NAME}-web").passed
    outcome = run_kind(stack, "compose_service_running", project=NAME, service="redis", container_name="my-redis")
    assert not outcome.passed and f"named '{NAME}-redis-1', not 'my-redis'" in outcome.message
    outcome = run_kind(stack, "compose_service_running", project=NAME, service="cache")
    assert not outcome.passed and "no container for service 'cache'" in outcome.message
    outcome = run_kind(stack, "compose_service_running", project="compose-nosuchproject", service="web")
    assert not outcome.passed and "No container belongs to Compose project" in outcome.message


def test_service_config(stack: CheckContext) -> None:
    assert run_kind(
        stack,
        "compose_service_config",
        project=NAME,
        service="web",
        environment={"REDIS_HOST": "redis"},
        restart="unless-stopped",
    ).passed
    assert run_kind(
        stack, "compose_service_config", project=NAME, service="job", restart="on-failure", max_retries=1
    ).passed
    outcome = run_kind(
        stack,
        "compose_service_config",
        project=NAME,
        service="web",
        restart="always",
        entrypoint=["python3", "app.py", "8080"],
    )
    assert (
        not outcome.passed
        and "its restart policy is 'unless-stopped', expected 'always'" in outcome.message
        and "its entrypoint is" in outcome.message
    )
    outcome = run_kind(
        stack, "compose_service_config", project=NAME, service="job", restart="on-failure", max_retries=3
    )
    assert not outcome.passed and "retries 1 time(s), expected 3" in outcome.message


def test_service_ports(stack: CheckContext) -> None:
    assert run_kind(stack, "compose_service_ports", project=NAME, service="web", published={"8000": PORT}).passed
    assert run_kind(stack, "compose_service_ports", project=NAME, service="redis", exposed_only=[6379]).passed
    outcome = run_kind(stack, "compose_service_ports", project=NAME, service="web", exposed_only=[8000])
    assert not outcome.passed and "Port 8000 is published to the host" in outcome.message
    outcome = run_kind(stack, "compose_service_ports", project=NAME, service="web", published={"8000": 8499})
    assert not outcome.passed and f"is published on host port(s) [{PORT}], not on 8499" in outcome.message


def test_service_mount(stack: CheckContext) -> None:
    assert run_kind(
        stack,
        "compose_service_mount",
        project=NAME,
        service="web",
        destination="/app",
        type="bind",
        source="stack/web",
        read_only=True,
    ).passed
    assert run_kind(
        stack, "compose_service_mount", project=NAME, service="redis", destination="/data", source=f"{NAME}_counter"
    ).passed
    outcome = run_kind(stack, "compose_service_mount", project=NAME, service="web", destination="/app")
    assert not outcome.passed and "/app is a bind mount, not a volume mount" in outcome.message
    outcome = run_kind(stack, "compose_service_mount", project=NAME, service="web", destination="/data")
    assert not outcome.passed and "Nothing is mounted at /data" in outcome.message


def test_service_healthy(stack: CheckContext) -> None:
    assert run_kind(stack, "compose_service_healthy", project=NAME, service="redis").passed
    outcome = run_kind(stack, "compose_service_healthy", project=NAME, service="web")
    assert not outcome.passed and "has no healthcheck" in outcome.message


def test_service_exited(stack: CheckContext) -> None:
    assert run_kind(stack, "compose_service_exited", project=NAME, service="seed", exit_code=0).passed
    assert run_kind(stack, "compose_service_exited", project=NAME, service="job", exit_code=3, restarts=1).passed
    outcome = run_kind(stack, "compose_service_exited", project=NAME, service="job", exit_code=0)
    assert not outcome.passed and "exited with code 3, expected 0" in outcome.message
    outcome = run_kind(stack, "compose_service_exited", project=NAME, service="web", wait=1)
    assert not outcome.passed and "still running" in outcome.message
