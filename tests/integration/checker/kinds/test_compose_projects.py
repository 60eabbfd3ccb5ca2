"""The Compose project kinds (checker/kinds/compose_projects.py) against real Compose v2 projects:
chapter 04's stack for start order, a counter across a restart and teardown (last: it takes the stack down),
and the capstone's partial credit."""

from __future__ import annotations

import pytest

from checker import api
from checker.compose_project import run_compose
from checker.context import CheckContext
from checker.labels import COMPOSE_PROJECT

from .compose_env import NAME, PORT, TAG
from .helpers import run_kind

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-compose"


@pytest.mark.slow
def test_capstone_wrong_answer_earns_partial_credit_with_messages() -> None:
    """Default network and no push: 4 of 6 requirements, so 4 of 6 points, and the two misses say why."""
    exercise = api.exercise("capstone-ship")
    index = next(i for i, w in enumerate(exercise.wrong) if "default network" in w.title)
    try:
        api.apply_wrong("capstone-ship", index)
        result = api.check("capstone-ship")
        assert not result.passed and not result.could_not_check
        failed = {c.name: c.message for c in result.checks if not c.passed}
        assert len(result.checks) == 6 and len(failed) == 2, failed
        assert result.score == pytest.approx(exercise.points * 4 / 6, abs=0.01)
        assert 0 < result.score < result.max_score
        assert any("There is no network 'backend'" in m for m in failed.values())
        assert any("the registry has no repository 'capstone-app'" in m for m in failed.values())
    finally:
        api.reset("capstone-ship")


def test_start_order(stack: CheckContext) -> None:
    healthy = run_kind(
        stack, "compose_start_order", project=NAME, service="web", after="redis", condition="service_healthy"
    )
    assert healthy.passed, healthy.message
    assert run_kind(
        stack,
        "compose_start_order",
        project=NAME,
        service="web",
        after="seed",
        condition="service_completed_successfully",
    ).passed
    outcome = run_kind(
        stack,
        "compose_start_order",
        project=NAME,
        service="redis",
        after="seed",
        condition="service_completed_successfully",
    )
    assert not outcome.passed and "BEFORE seed finished" in outcome.message
    outcome = run_kind(
        stack, "compose_start_order", project=NAME, service="seed", after="web", condition="service_healthy"
    )
    assert not outcome.passed and "web has no healthcheck" in outcome.message


CHAINED = """services:
  seed:
    image: busybox:1.35
    command: ["true"]
  mid:
    image: busybox:1.35
    command: ["sleep", "300"]
    depends_on:
      seed:
        condition: service_completed_successfully
  web:
    image: busybox:1.35
    command: ["sleep", "300"]
    depends_on: [mid]
  lucky:
    image: busybox:1.35
    command: ["sleep", "300"]
    depends_on: [seed]
"""


def test_start_order_needs_the_declared_condition(ctx, compose_project) -> None:
    """A job that exits in milliseconds often finishes before a short-form dependent starts: the timing alone
    would pass it, what Compose was told does not. A chain (web → mid → seed completed) is told to wait."""
    project, folder = compose_project
    (folder / "compose.yaml").write_text(CHAINED)
    up = run_compose(["up", "-d"], cwd=folder, project=project, timeout=120)
    assert up.returncode == 0, up.output
    params = {"project": project, "after": "seed", "condition": "service_completed_successfully"}
    lucky = run_kind(ctx, "compose_start_order", service="lucky", **params)
    assert not lucky.passed and "waits only for seed to start" in lucky.message, lucky.message
    chained = run_kind(ctx, "compose_start_order", service="web", **params)
    assert chained.passed, chained.message
    alone = run_kind(
        ctx, "compose_start_order", service="mid", project=project, after="web", condition="service_started"
    )
    assert not alone.passed and "does not wait for web" in alone.message


def test_counter_survives_restart(stack: CheckContext) -> None:
    outcome = run_kind(stack, "compose_counter_survives_restart", project=NAME, port=PORT, minimum=101)
    assert outcome.passed, outcome.message
    outcome = run_kind(stack, "compose_counter_survives_restart", project=NAME, port=PORT, minimum=10**6, restart=False)
    assert not outcome.passed and "expected at least 1000000" in outcome.message
    outcome = run_kind(stack, "compose_counter_survives_restart", project="compose-nosuchproject", port=PORT)
    assert not outcome.passed and "No container of project" in outcome.message


def test_project_down_last(stack: CheckContext, docker_client) -> None:
    """Runs last in this module: fails while the project is up, passes after `down`."""
    outcome = run_kind(stack, "compose_project_down", project=NAME)
    assert not outcome.passed and "still exist" in outcome.message
    for container in docker_client.api.containers(all=True, filters={"label": [f"{COMPOSE_PROJECT}={NAME}"]}):
        docker_client.api.remove_container(container["Id"], force=True, v=True)  # v: redis's anonymous /data volume too
    outcome = run_kind(stack, "compose_project_down", project=NAME)
    assert not outcome.passed and f"['{NAME}_default'] remain" in outcome.message
    down = run_compose(["down"], cwd=stack.path("stack"), project=NAME, timeout=60)
    assert down.returncode == 0, down.output
    assert run_kind(stack, "compose_project_down", project=NAME).passed


BLOCKED_PORT = 8418  # a chapter-04 port no exercise publishes
PORT_TAKEN = f"""services:
  db:
    image: busybox:1.35
    command: ["sleep", "300"]
  web:
    image: busybox:1.35
    command: ["sleep", "300"]
    ports: ["{BLOCKED_PORT}:80"]
    depends_on: [db]
"""


def test_a_refused_start_is_reported_once(ctx, docker_client, tracker, compose_project) -> None:
    """One cause, one message: the start order check says what the running check says, so the engine names it once."""
    holder = f"test-kinds-holder-{TAG}"
    tracker.containers.append(holder)
    docker_client.containers.run(
        "busybox:1.35", ["sleep", "300"], name=holder, detach=True, ports={"80/tcp": BLOCKED_PORT}
    )
    project, folder = compose_project
    (folder / "compose.yaml").write_text(PORT_TAKEN)
    assert run_compose(["up", "-d"], cwd=folder, project=project).returncode != 0
    running = run_kind(ctx, "compose_service_running", project=project, service="web", wait=0)
    order = run_kind(
        ctx, "compose_start_order", project=project, service="web", after="db", condition="service_started"
    )
    assert not running.passed and f"host port {BLOCKED_PORT} is already in use" in running.message
    assert order == running
