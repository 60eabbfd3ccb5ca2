"""Notebooks per language: which file a learner opens, and which language a notebook is written in.

A translated notebook sits next to the English one, `NN-name.ko.ipynb` beside
`NN-name.ipynb`: the same folder, so the same work folder, workspace and
progress. English, the source, has the plain name. The exercise cells of both
are identical (their metadata names the exercise); only the prose differs, so
the grader and `verify` treat every language's notebook alike and only choose
the language their words come out in.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from checker import i18n, settings

HANGUL = re.compile("[\uac00-\ud7a3]")
# Prose in a language the course has, told by its script (for notebooks that say nothing else).
SCRIPTS = {"ko": HANGUL}


def suffix(lang: str) -> str:
    """The part of a notebook's file name that names its language: "" for English, ".ko" for Korean."""
    return "" if lang == i18n.SOURCE_LANGUAGE else f".{lang}"


def notebook_file(name: str, lang: str) -> str:
    """`00-start-here`, "ko" → `00-start-here.ko.ipynb`."""
    return f"{name}{suffix(lang)}.ipynb"


def shown_notebook(name: str, lang: str | None = None, notebooks_dir: Path | None = None) -> str:
    """The file a learner opens for notebook `name`: the one in their language, or the English one
    while that chapter has no translation yet."""
    lang = lang or i18n.language()
    notebooks_dir = notebooks_dir or settings.NOTEBOOKS_DIR
    translated = notebook_file(name, lang)
    return translated if (notebooks_dir / translated).is_file() else notebook_file(name, i18n.SOURCE_LANGUAGE)


def split_name(stem: str) -> tuple[str, str]:
    """A notebook file's stem as (course notebook, language): `01-containers.ko` → ("01-containers", "ko")."""
    base, dot, tail = stem.rpartition(".")
    if dot and tail in i18n.LANGUAGES and tail != i18n.SOURCE_LANGUAGE:
        return base, tail
    return stem, i18n.SOURCE_LANGUAGE


def declared_language(nb: Any) -> str | None:
    """The language a notebook's metadata names (`metadata.course.lang`), if the course has it."""
    lang = (nb.get("metadata", {}).get("course") or {}).get("lang")
    return lang if lang in i18n.LANGUAGES else None


def written_language(nb: Any) -> str | None:
    """The language most of a notebook's prose (its markdown cells) is written in, if not English."""
    prose = [str(cell.get("source", "")) for cell in nb.get("cells", []) if cell.get("cell_type") == "markdown"]
    if not prose:
        return None
    for lang, script in SCRIPTS.items():
        if 2 * sum(bool(script.search(text)) for text in prose) >= len(prose):
            return lang
    return None


def notebook_language(nb: Any, path: Path | None = None) -> str:
    """The language of a learner's notebook, for the words of their feedback: what its metadata says,
    else its file name (`alice.ko.ipynb`), else the script of its prose (a learning platform may rename
    the file), else this process's language (COURSE_LANG for the grader, or its locale)."""
    found = declared_language(nb)
    if found is None and path is not None:
        _, named = split_name(Path(path).stem)
        found = named if named != i18n.SOURCE_LANGUAGE else None
    return found or written_language(nb) or i18n.language()


def translated(message: str, lang: str) -> str:
    """`message` (marked with N_) in `lang`, whatever this process speaks: for words made on a thread that
    must not switch the whole process's language."""
    return i18n.translations(lang).gettext(message) if message else message


@contextmanager
def speaking(lang: str) -> Iterator[None]:
    """This process, and the kernels it starts meanwhile, in `lang`; the language before comes back after.

    For one submission at a time (a grading process grades one after the other): the language is the
    process's environment, so two threads must never speak different languages at once.
    """
    name = settings.LANG.name
    before = os.environ.get(name)
    i18n.use(lang)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
