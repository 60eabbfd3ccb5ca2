"""The kind registry and the context's views (checker/kinds, checker/context.py), with a fake daemon API."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import docker.errors
import pytest

from checker.context import CheckContext
from checker.kinds import KINDS, Outcome, get_kind, kind, ok


class FakeApi:
    """Answers inspect calls from a dict; counts them, to show the per-run cache."""

    def __init__(self, containers: dict[str, dict[str, Any]]) -> None:
        self.containers = containers
        self.calls = 0

    def inspect_container(self, name: str) -> dict[str, Any]:
        self.calls += 1
        if name not in self.containers:
            raise docker.errors.NotFound(f"No such container: {name}")
        return self.containers[name]


class FakeClient:
    def __init__(self, api: FakeApi) -> None:
        self.api = api


@pytest.fixture
def ctx(tmp_path: Path) -> CheckContext:
    api = FakeApi({"web": {"Id": "1", "Name": "/web", "State": {"Status": "running", "Running": True}}})
    return CheckContext("unit", tmp_path, _client=FakeClient(api))


@pytest.fixture
def demo_kind() -> Iterator[str]:
    get_kind("container_exists")

    @kind("test_needs_container", "{container} is there")
    def needs(ctx: CheckContext, *, container: str) -> Outcome:
        """Says what it needs.

        More detail that the description leaves out."""
        return ok(ctx.require_container(container).status_line)

    yield "test_needs_container"
    KINDS.pop("test_needs_container", None)


def test_views_are_cached_for_the_run_and_refreshed_on_demand(ctx: CheckContext) -> None:
    assert ctx.container("web").running and ctx.container("web").name == "web"
    assert ctx.api.calls == 1
    ctx.fresh_container("web")
    assert ctx.api.calls == 2
    assert ctx.container("nothing") is None


def test_a_missing_container_ends_the_check_with_one_message(ctx: CheckContext, demo_kind: str) -> None:
    kind_ = get_kind(demo_kind)
    assert kind_.func(ctx, container="web") == Outcome(True, "running")
    missing = kind_.func(ctx, container="gone")
    assert not missing.passed and missing.message == "There is no container named 'gone'."
    assert "--name gone" in missing.hint


def test_the_description_is_the_docstrings_first_paragraph(demo_kind: str) -> None:
    kind_ = get_kind(demo_kind)
    assert kind_.description == "Says what it needs."
    assert kind_.title({"container": "web"}) == "web is there"
    assert list(kind_.signature.parameters) == ["ctx", "container"]


def test_every_registered_kind_has_a_description() -> None:
    get_kind("container_exists")
    assert not [name for name, k in KINDS.items() if not k.describe]
