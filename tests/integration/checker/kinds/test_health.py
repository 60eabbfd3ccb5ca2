"""The health kinds (checker/kinds/health.py) against the real daemon: the HEALTHCHECK in an image's config,
and the Engine's own health status going healthy, then unhealthy when the app breaks."""

from __future__ import annotations

import pytest

from checker.kinds import health

from .helpers import BUSYBOX, build_image, labelled, tag_for

pytestmark = pytest.mark.docker

EXERCISE = "test-kinds-health"
SLEEPER = 'CMD ["sleep", "60"]\n'


def _image(docker_client, tracker, name: str, healthcheck: str) -> str:
    tag = tag_for(tracker, name)
    build_image(docker_client, tracker, EXERCISE, tag, f"FROM {BUSYBOX}\n{healthcheck}{SLEEPER}")
    return tag


def test_image_healthcheck_reads_the_config(ctx, tracker, docker_client) -> None:
    none = _image(docker_client, tracker, "nohealth", "")
    slow = _image(docker_client, tracker, "slowhealth", "HEALTHCHECK CMD true\n")
    quick = _image(docker_client, tracker, "quickhealth", "HEALTHCHECK --interval=2s CMD true\n")
    outcome = health.image_healthcheck(ctx, image=none)
    assert not outcome.passed and "The image has no HEALTHCHECK" in outcome.message
    outcome = health.image_healthcheck(ctx, image=slow)
    assert not outcome.passed and "Its interval is 30 s (the default)" in outcome.message
    assert health.image_healthcheck(ctx, image=quick).passed


def test_image_health_cycle_sees_healthy_then_unhealthy(ctx, tracker, docker_client) -> None:
    honest = _image(
        docker_client, tracker, "honest", "HEALTHCHECK --interval=1s --retries=1 CMD test ! -f /tmp/broken\n"
    )
    outcome = health.image_health_cycle(ctx, image=honest, break_command=["touch", "/tmp/broken"], wait=10)
    assert outcome.passed, outcome.message
    assert not labelled(docker_client, EXERCISE)


def test_image_health_cycle_fails_a_command_that_ignores_the_app(ctx, tracker, docker_client) -> None:
    blind = _image(docker_client, tracker, "blind", "HEALTHCHECK --interval=1s --retries=1 CMD true\n")
    outcome = health.image_health_cycle(ctx, image=blind, break_command=["touch", "/tmp/broken"], wait=4)
    assert not outcome.passed and "does not ask the app whether it works" in outcome.message


def test_image_health_cycle_fails_a_command_that_always_fails(ctx, tracker, docker_client) -> None:
    broken = _image(docker_client, tracker, "alwaysbad", "HEALTHCHECK --interval=1s --retries=1 CMD nosuchprogram\n")
    outcome = health.image_health_cycle(ctx, image=broken, break_command=["touch", "/tmp/broken"], wait=10)
    assert not outcome.passed and "It turned unhealthy while the app was fine" in outcome.message
    assert "nosuchprogram: not found" in outcome.message
    assert not labelled(docker_client, EXERCISE)
