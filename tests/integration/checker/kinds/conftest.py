"""Fixtures the kinds' integration tests share: images built once per test, and the Compose projects."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Iterator

import pytest

from checker.compose_project import run_compose
from checker.context import CheckContext
from checker.kinds import builds

from .compose_env import BOTH_MODES, NAME, TAG, TIERS, remove_project, write_stack
from .helpers import tag_for, write_context


@pytest.fixture
def ctx(request: pytest.FixtureRequest, tmp_path: Path) -> CheckContext:
    """A context of the test module's own exercise id (its EXERCISE), in a fresh work folder."""
    return CheckContext(request.module.EXERCISE, workdir=tmp_path)


@pytest.fixture
def file_image(ctx, tracker, tmp_path) -> str:
    """An image built from a folder with keep.txt and a .env that .dockerignore keeps out."""
    tag = tag_for(tracker, "files")
    context = write_context(
        tmp_path,
        "files",
        "FROM busybox:1.35\nWORKDIR /app\nCOPY . .\n",
        {"keep.txt": "kept\n", ".env": "TOKEN=secret\n"},
    )
    (tmp_path / "files" / ".dockerignore").write_text(".env\n", encoding="utf-8")
    assert builds.dockerfile_builds(ctx, context=context, tag=tag).passed
    return tag


@pytest.fixture(scope="module")
def stack(docker_client, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CheckContext]:
    """Chapter 04's project, up and settled; torn down even if a test fails."""
    workdir = tmp_path_factory.mktemp("chapter04")
    folder = workdir / "stack"
    write_stack(folder)
    try:
        up = run_compose(["up", "-d"], cwd=folder, project=NAME, timeout=300)
        assert up.returncode == 0, up.output
        yield CheckContext("compose-kindtest", workdir)
    finally:
        remove_project(docker_client, folder, NAME, image=f"{NAME}-web")


@pytest.fixture(scope="module")
def tiers(docker_client, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Chapter 06's three tiers on two networks, and a service with no network."""
    folder = tmp_path_factory.mktemp("tiers")
    name = f"t56-tiers-{TAG}"
    (folder / "compose.yaml").write_text(TIERS.format(project=name))
    (folder / "both.yaml").write_text(BOTH_MODES)
    try:
        up = run_compose(["up", "-d"], cwd=folder, project=name, timeout=120)
        assert up.returncode == 0, up.output
        yield {"name": name, "workdir": str(folder)}
    finally:
        remove_project(docker_client, folder, name)


@pytest.fixture
def pctx(tiers) -> CheckContext:
    return CheckContext("test-kinds-tiers", Path(tiers["workdir"]))


@pytest.fixture
def compose_project(docker_client, tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A Compose project folder and name for chapter 07's projects; removed at teardown, even on failure."""
    project = f"test07-{uuid.uuid4().hex[:6]}"
    folder = tmp_path / project
    folder.mkdir()
    try:
        yield project, folder
    finally:
        remove_project(docker_client, folder, project)
