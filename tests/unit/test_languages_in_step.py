"""English and Korean stay in step: every learner-facing string and every notebook exists in both.

The strings: a fresh extraction (`pybabel extract` with babel.cfg, as `make
messages` runs it) must match the Korean catalogue exactly, each with a
translation. The notebooks: each English notebook has its Korean one beside it
with the same cells in the same order, the same exercise cells (answer,
check, setup: the structure exists once), and prose that is really Korean.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po

from checker import i18n, settings
from checker.i18n_extract import extract_command
from course.notebook.cells import cell_role

REPO = settings.REPO_ROOT
HANGUL = re.compile("[\uac00-\ud7a3]")
ENGLISH = sorted(p for p in settings.NOTEBOOKS_DIR.glob("*.ipynb") if not p.name.endswith(".ko.ipynb"))
KOREAN = sorted(settings.NOTEBOOKS_DIR.glob("*.ko.ipynb"))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    pot = tmp_path_factory.mktemp("messages") / "course.pot"
    subprocess.run(extract_command(pot), cwd=REPO, check=True, capture_output=True)
    with pot.open("rb") as handle:
        return {message.id if isinstance(message.id, str) else message.id[0]: message for message in read_po(handle)}


@pytest.fixture(scope="module")
def korean() -> dict[str, object]:
    with open(i18n.catalogue_path("ko"), "rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(handle, locale="ko")}


def test_every_string_the_code_shows_has_its_korean(extracted, korean) -> None:
    untranslated = [key for key in extracted if key and not _translated(korean.get(key))]
    assert not untranslated, f"{len(untranslated)} string(s) without Korean (run `make messages`):\n" + "\n".join(
        untranslated[:30]
    )


def test_the_korean_catalogue_has_nothing_the_code_no_longer_shows(extracted, korean) -> None:
    stale = [key for key in korean if key and key not in extracted]
    assert not stale, "Korean for strings no longer in the code (run `make messages`):\n" + "\n".join(stale[:30])


def test_every_korean_template_fills_like_its_english_one() -> None:
    """Every field of the msgid is in the msgstr (same names), and the msgstr formats without error."""
    with open(i18n.catalogue_path("ko"), "rb") as handle:
        catalogue = read_po(handle)
    field = re.compile(r"\{(\w+)(?:![rs])?(:[^{}]*)?\}")
    for message in catalogue:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = sorted({name for text in ids for name, _ in field.findall(text.replace("{{", "").replace("}}", ""))})
        for text in strings:
            found = field.findall(text.replace("{{", "").replace("}}", ""))
            assert sorted({name for name, _ in found}) == wanted, ids[0]
            if _is_template(ids[0]):  # a hint may show YAML's braces as they are: not a template
                text.format_map(_AnyValue())  # a brace the English does not have would raise here


def test_every_notebook_exists_in_both_languages() -> None:
    assert [p.name.replace(".ko.ipynb", ".ipynb") for p in KOREAN] == [p.name for p in ENGLISH]


@pytest.mark.parametrize("english", ENGLISH, ids=lambda path: path.stem)
def test_the_korean_notebook_has_the_same_cells_and_exercise_cells(english: Path) -> None:
    en = nbformat.read(english, as_version=4)
    ko = nbformat.read(english.with_name(english.stem + ".ko.ipynb"), as_version=4)
    assert [cell.cell_type for cell in ko.cells] == [cell.cell_type for cell in en.cells], "cells differ"
    for index, (a, b) in enumerate(zip(en.cells, ko.cells, strict=True)):
        assert cell_role(a) == cell_role(b), f"cell {index}: roles differ"
        if a.cell_type == "code" and cell_role(a)[1] is not None:
            assert a.source == b.source, f"cell {index} ({cell_role(a)}) differs from the English"
        if a.cell_type == "code":
            assert _code_only(a.source) == _code_only(b.source), f"cell {index}: code differs (comments may)"
        if a.cell_type == "markdown" and re.search("[A-Za-z]{4}", _prose(a.source)):
            assert HANGUL.search(b.source), f"cell {index} of the Korean notebook is not in Korean"


class _AnyValue(dict):
    """Every field is 1: it formats under any spec a template uses (`:02d`, `:.1f`, `!r`)."""

    def __missing__(self, key: str) -> int:
        return 1


def _is_template(text: str) -> bool:
    try:
        text.format_map(_AnyValue())
    except (ValueError, KeyError, IndexError, TypeError):
        return False
    return True


def _translated(message: object) -> bool:
    if message is None or message.fuzzy:
        return False
    text = message.string
    return all(text) if isinstance(text, tuple) else bool(text)


def _code_only(source: str) -> list[str]:
    """The cell without its comments and one-line docstrings (a demo's words may be Korean): what runs."""
    return [
        line.split("#", 1)[0].rstrip() for line in source.splitlines() if not line.lstrip().startswith(("#", '"""'))
    ]


def _prose(markdown: str) -> str:
    """Markdown without code spans and blocks: what a translator must translate."""
    return re.sub(r"```.*?```|`[^`]*`|\[[^\]]*\]\([^)]*\)", "", markdown, flags=re.S)
