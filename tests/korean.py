"""A Korean catalogue made by a test, so that tests of the Korean interface never depend on the real one.

`speak_korean(request, monkeypatch, tmp_path, messages)` writes `messages` (English template → Korean) as
`ko/LC_MESSAGES/course.po` under tmp_path, points checker.i18n at it and sets COURSE_LANG=ko; the cached
catalogues are dropped before and after the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from checker import i18n, settings


def write_catalogue(root: Path, messages: dict[str, str]) -> Path:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    catalogue = Catalog(locale="ko", domain=i18n.DOMAIN)
    for english, korean in messages.items():
        catalogue.add(english, korean)
    path = root / "ko" / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalogue)
    return path


def speak_korean(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, messages: dict[str, str]
) -> Path:
    root = tmp_path / "locale"
    write_catalogue(root, messages)
    monkeypatch.setattr(i18n, "LOCALE_DIR", root)
    i18n.translations.cache_clear()
    request.addfinalizer(i18n.translations.cache_clear)
    monkeypatch.setenv(settings.LANG.name, "ko")
    return root
