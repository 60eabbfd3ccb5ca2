"""Fixtures of the checker's unit tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from checker import i18n, settings


@pytest.fixture
def korean(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This test speaks Korean, from the course's own catalogue: what a Korean learner gets."""
    monkeypatch.setenv(settings.LANG.name, "ko")
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()
