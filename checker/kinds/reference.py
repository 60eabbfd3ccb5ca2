"""The authors' reference of every check kind, generated from the code so that it cannot go stale.

`python -m course kinds` prints `render_text()`; docs/kinds.md is `render_markdown()`
(regenerate it with `python -m checker.kinds.reference > docs/kinds.md`; a unit test
fails while it differs). Only the registered `Kind`s are read: name, description
template, behaviour flag, signature and the function's docstring.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import textwrap
from typing import Any

import checker.kinds as kinds_package
from checker.kinds import KINDS, Kind


def all_kinds() -> list[Kind]:
    """Every registered kind, by name (importing each kind module registers its kinds)."""
    for module in pkgutil.iter_modules(kinds_package.__path__):
        importlib.import_module(f"{kinds_package.__name__}.{module.name}")
    return sorted(KINDS.values(), key=lambda kind: kind.name)


def _literal(value: Any) -> str:
    """A default as an author would write it in TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def parameters(kind: Kind) -> list[tuple[str, str, str]]:
    """(name, type, default) of each parameter a chapter file gives the kind; default 'required' or 'unset'."""
    rows = []
    for parameter in list(kind.signature.parameters.values())[1:]:  # the first is the check context
        annotation = parameter.annotation
        if annotation is inspect.Parameter.empty:
            type_text = "any"
        else:
            type_text = annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)
        if parameter.default is inspect.Parameter.empty:
            default = "required"
        elif parameter.default is None:
            default = "unset"
        else:
            default = _literal(parameter.default)
        rows.append((parameter.name, type_text, default))
    return rows


def _doc(kind: Kind) -> str:
    return inspect.getdoc(kind.func) or ""


def _runs(kind: Kind) -> tuple[str, str]:
    """Whether the kind reads state or makes the daemon do something (the `behaviour` flag), and what follows."""
    if kind.behaviour:
        return "behaviour", (
            "it makes the daemon do something, so it is skipped after an earlier failure in an "
            "all-or-nothing exercise (unless the check says `always = true`)"
        )
    return "state", "it reads what the daemon or the work folder holds"


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=118, break_long_words=False, break_on_hyphens=False)


def render_text() -> str:
    """The reference for a terminal."""
    out = []
    for kind in all_kinds():
        out += [kind.name, f"  checks: {kind.describe}", "  {}: {}".format(*_runs(kind))]
        for name, type_text, default in parameters(kind):
            shown = f", {default}" if default in ("required", "unset") else f" = {default}"
            out.append(f"  - {name}: {type_text}{shown}")
        out += [f"  {line}".rstrip() for line in _doc(kind).splitlines()]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_markdown() -> str:
    """The reference as docs/kinds.md."""
    found = all_kinds()
    out = [
        "# Check kinds",
        "",
        "<!-- Generated from the code by checker/kinds/reference.py; do not edit.",
        "     Regenerate: python -m checker.kinds.reference > docs/kinds.md -->",
        "",
        "Every kind a chapter file can name in `[[exercise.check]]`, with its parameters. A parameter marked",
        "*required* must be given (in the check, or in the exercise's `check_defaults`); *unset* means the",
        "kind does not look at it unless it is given. `python -m course kinds` prints the same list.",
        "",
        _wrap(" · ".join(f"[`{kind.name}`](#{kind.name})" for kind in found)),
        "",
    ]
    for kind in found:
        out += [
            f"## {kind.name}",
            "",
            _wrap(f"Checks that `{kind.describe}`."),
            "",
            _wrap("**{}**: {}.".format(*_runs(kind))),
            "",
        ]
        rows = parameters(kind)
        if rows:
            out += ["| parameter | type | default |", "| --- | --- | --- |"]
            for name, type_text, default in rows:
                shown = default if default in ("required", "unset") else f"`{default}`"
                cell = type_text.replace("|", r"\|")  # a pipe inside a table cell must be escaped, even in code
                out.append(f"| `{name}` | `{cell}` | {shown} |")
            out.append("")
        if _doc(kind):
            out += [_doc(kind), ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render_markdown(), end="")
