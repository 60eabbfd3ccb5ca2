"""The compose-file kinds (checker/kinds/compose_files.py) with real Compose v2: Compose's own
validation, one policy for its warnings, and every listed mistake named at once. Nothing is started."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker.context import CheckContext

from .compose_env import BOTH_MODES, COMPOSE, NAME, TIERS, write_stack
from .helpers import run_kind

pytestmark = pytest.mark.docker


@pytest.fixture
def stack(tmp_path: Path) -> CheckContext:
    """Chapter 04's files, not started: validation needs only the folder."""
    write_stack(tmp_path / "stack")
    return CheckContext("test-kinds-compose-files", tmp_path)


@pytest.fixture
def pctx(tmp_path: Path) -> CheckContext:
    """Chapter 06's files, not started."""
    (tmp_path / "compose.yaml").write_text(TIERS.format(project="t56-files"))
    (tmp_path / "both.yaml").write_text(BOTH_MODES)
    return CheckContext("test-kinds-compose-files", tmp_path)


def test_file_valid_passes_and_shows_composes_own_error(stack: CheckContext) -> None:
    assert run_kind(stack, "compose_file_valid", path="stack/compose.yaml", project=NAME).passed
    bad = stack.path("stack/bad.yaml")
    bad.write_text(COMPOSE.replace("environment:", "envirionment:"))
    outcome = run_kind(stack, "compose_file_valid", path="stack/bad.yaml", project=NAME)
    assert not outcome.passed and "'envirionment' not allowed" in outcome.message
    bad.write_text("version: '3.8'\n" + COMPOSE)
    outcome = run_kind(stack, "compose_file_valid", path="stack/bad.yaml", project=NAME)
    assert not outcome.passed and "obsolete" in outcome.message


def test_file_sound_names_every_remaining_mistake(stack: CheckContext) -> None:
    patterns = {
        "depend_on": r"^\s*depend_on\s*:",
        "envirionment": "envirionment",
        "service_complete": r"service_complete\b",
    }
    assert run_kind(stack, "compose_file_sound", path="stack/compose.yaml", patterns=patterns).passed
    outcome = run_kind(stack, "compose_file_sound", path="stack/notes.yaml", patterns=patterns)
    assert not outcome.passed and "mistake(s) remain" in outcome.message
    for name in patterns:
        assert f"  - {name}" in outcome.message
    merged = stack.path("stack/merged.yaml")
    merged.write_text(
        COMPOSE.replace(
            "      seed:\n        condition: service_completed_successfully",
            "      seed:\n        condition: service_completed_successfully\n"
            "      web:\n        condition: service_started",
        )
    )
    outcome = run_kind(stack, "compose_file_sound", path="stack/merged.yaml")
    assert not outcome.passed and "service `web` depends on itself" in outcome.message
    twice = stack.path("stack/twice.yaml")
    twice.write_text(
        COMPOSE.replace("    restart: unless-stopped\n", "    restart: unless-stopped\n    restart: always\n")
    )
    outcome = run_kind(stack, "compose_file_sound", path="stack/twice.yaml")
    assert not outcome.passed and "`restart:` is given twice" in outcome.message


def test_network_compose_valid(pctx) -> None:
    assert run_kind(pctx, "network_compose_valid", path="compose.yaml").passed
    both = run_kind(pctx, "network_compose_valid", path="both.yaml")
    assert not both.passed and "mutually exclusive `network_mode` and `networks`" in both.message
    absent = run_kind(pctx, "network_compose_valid", path="nothing.yaml")
    assert not absent.passed and "does not exist yet" in absent.message
