"""Babel's extractor for the chapter files: the learner-facing text of the exercise registry.

Titles and hints are shown to learners; so are a check's `name` (engine.check_name)
and the sentences a chapter gives a kind to add to its message (`explain`, `fix`,
`why`, and the mistakes a `patterns` table names): the kinds translate them where
they show them. A wrong answer's `expect` is a piece of a check message, so its
translation must be a piece of the translated message (`verify` in Korean holds
it to that). Everything else in a chapter file is structure, the same in every
language. Registered in babel.cfg.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from checker import i18n, settings

LEARNER_TEXT = ("title", "hints")
# A check's parameters that are sentences for the learner, not data (the kinds that take them call `_()` on them).
CHECK_TEXT = ("name", "explain", "fix", "why")
# A check's tables whose KEYS are sentences for the learner (compose_file_sound's `patterns`: mistake → regex).
CHECK_TEXT_KEYS = ("patterns",)


def extract_registry(
    fileobj: IO[bytes],
    keywords: Any,  # noqa: ARG001 (Babel's signature)
    comment_tags: Any,  # noqa: ARG001
    options: dict[str, Any],  # noqa: ARG001 (Babel's signature)
) -> Iterator[tuple[int, str, str, list[str]]]:
    """(line, funcname, message, comments) for every title, hint, check text and expected message of a chapter file."""
    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()
    data = tomllib.loads(source)

    def line_of(text: str) -> int:
        needle = text.splitlines()[0][:40]
        return next((number for number, line in enumerate(lines, start=1) if needle in line), 0)

    for exercise in data.get("exercise", []):
        where = f"exercise {exercise.get('id', '?')}"
        if exercise.get("title"):
            yield line_of(exercise["title"]), "_", exercise["title"], [f"{where}: title"]
        for number, hint in enumerate(exercise.get("hints", []), start=1):
            yield line_of(hint), "_", hint, [f"{where}: hint {number}"]
        checks = [(f"check {number}", check) for number, check in enumerate(exercise.get("check", []), start=1)]
        checks.append(("check_defaults", exercise.get("check_defaults", {})))  # parameters only: no `name` there
        for label, check in checks:
            for key in CHECK_TEXT:
                text = check.get(key)
                if isinstance(text, str) and text and not (key == "name" and label == "check_defaults"):
                    yield line_of(text), "_", text, [f"{where}: {label}'s {key}"]
            for key in CHECK_TEXT_KEYS:
                table = check.get(key)
                for text in table if isinstance(table, dict) else ():
                    yield line_of(text), "_", text, [f"{where}: {label}'s {key}: a mistake it names"]
        for wrong in exercise.get("wrong", []):
            if wrong.get("expect"):
                yield (
                    line_of(wrong["expect"]),
                    "_",
                    wrong["expect"],
                    [f"{where}: a piece of the check message for the wrong answer {wrong.get('title', '')!r}"],
                )


def extract_command(output: Path) -> list[str]:
    """`pybabel extract` of every learner-facing string into the template `output` (the course's keywords)."""
    pybabel = Path(sys.executable).with_name("pybabel")
    keywords = ["-k", "_", "-k", "N_", "-k", "ngettext:1,2"]
    return [str(pybabel), "extract", "-F", "babel.cfg", *keywords, "--no-location", "-o", str(output), "."]


def update() -> None:
    """`make messages`: extract, then merge into each language's catalogue (new strings come in untranslated,
    strings the code dropped go), ready for a translator."""
    with tempfile.TemporaryDirectory() as folder:
        template = Path(folder) / f"{i18n.DOMAIN}.pot"
        subprocess.run(extract_command(template), cwd=settings.REPO_ROOT, check=True)
        for lang in i18n.LANGUAGES:
            if lang != i18n.SOURCE_LANGUAGE:
                pybabel = Path(sys.executable).with_name("pybabel")
                argv = [str(pybabel), "update", "-i", str(template), "-d", str(i18n.LOCALE_DIR), "-D", i18n.DOMAIN]
                subprocess.run([*argv, "-l", lang, "--no-location", "--ignore-obsolete", "-w", "120"], check=True)


if __name__ == "__main__":
    update()
