"""The `--lang` option of `python -m course`: before the command (`--lang ko verify`) or after it (`lab --lang ko`).

It is read from the command line before the parser is built, so that even
`--help` comes in the language asked for.
"""

from __future__ import annotations

import argparse
from typing import Any

from checker import i18n
from checker.i18n import _

LANG_FLAG = "--lang"


def option(default: Any) -> argparse.ArgumentParser:
    """`--lang en|ko`, for the top level (default None) and for each command (no default: the top level's stays)."""
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument(
        LANG_FLAG,
        choices=sorted(i18n.LANGUAGES),
        default=default,
        metavar="{" + ",".join(sorted(i18n.LANGUAGES)) + "}",
        help=_("the course's language (default: COURSE_LANG, the one `lab --lang` remembered, else the locale)"),
    )
    return parent


def asked(argv: list[str]) -> str | None:
    """The `--lang` of a command line, read before the parser is built so that its help is in that language."""
    for index, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == LANG_FLAG and index + 1 < len(argv):
            return argv[index + 1]
        if arg.startswith(LANG_FLAG + "="):
            return arg.split("=", 1)[1]
    return None
