"""The declared format of a chapter file: every table, every key, its type, default and meaning.

The loader reads a file only through `read_table`, so a key that is not declared
here (a misspelling, a key from another table) is an error naming the file and
the line, never silently ignored. `render_markdown` turns the same declarations
into the reference in docs/authoring.md, so the page and the loader cannot disagree.
"""

from __future__ import annotations

import difflib
import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checker.registry.source import At

FORMAT_VERSION = 1  # raise it when a chapter file written for this course would be read differently


class _Required:
    def __repr__(self) -> str:
        return "required"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class FieldType:
    """A TOML value type, as an author reads it, and the test a value must pass."""

    name: str
    accepts: Callable[[Any], bool]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


STRING = FieldType("string", lambda v: isinstance(v, str))
INTEGER = FieldType("integer", _is_int)
NUMBER = FieldType("number", lambda v: _is_int(v) or isinstance(v, float))
BOOLEAN = FieldType("boolean", lambda v: isinstance(v, bool))
STRINGS = FieldType("list of strings", lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v))
INTEGERS = FieldType("list of integers", lambda v: isinstance(v, list) and all(_is_int(x) for x in v))
TABLE = FieldType("table", lambda v: isinstance(v, dict))
TABLES = FieldType("list of tables", lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v))


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    doc: str
    default: Any = REQUIRED
    default_doc: str = ""  # how the docs show a default that is computed, not written

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Table:
    """A kind of TOML table in a chapter file and the keys it may hold."""

    header: str  # how an author writes it: `[[exercise]]`, `owns = { … }`
    doc: str
    fields: tuple[Field, ...]
    others: str = ""  # set when keys beyond `fields` are allowed: what they are

    def names(self) -> list[str]:
        return [f.name for f in self.fields]


_STEPS = "list of steps, each a `[[…]]` table with `shell`, or `file` and `content`"

FILE = Table(
    "the file",
    "The top level of `course/exercises/NN-chapter.toml`.",
    (
        Field(
            "format_version",
            INTEGER,
            "The version of the file format; the loader rejects a version it does not "
            "know, so a file written for a newer course fails with a clear message.",
            FORMAT_VERSION,
        ),
        Field(
            "notebook",
            STRING,
            "The notebook (`notebooks/NAME.ipynb`) whose exercises this file holds; its number is the chapter.",
            None,
            "the file's name without `.toml`",
        ),
        Field("exercise", TABLES, "The chapter's exercises, in the order the notebook presents them.", []),
    ),
)

EXERCISE = Table(
    "[[exercise]]",
    "One exercise.",
    (
        Field("id", STRING, 'Kebab-case and unique in the course: the name `check("ID")`, progress and reset use.'),
        Field("title", STRING, "One line shown above the exercise's results."),
        Field("points", NUMBER, "What the exercise is worth when graded.", 1),
        Field(
            "hints",
            STRINGS,
            'Escalating hints, the last one close to the answer; `hint("ID")` reveals one at a time.',
            [],
        ),
        Field(
            "owns",
            TABLE,
            "The resources it creates by name: reset removes exactly these (and what carries its labels).",
            {},
        ),
        Field("ports", INTEGERS, "The host ports it publishes; `doctor` checks that they are free.", []),
        Field(
            "outside_network",
            BOOLEAN,
            "Its builds reach a package archive (`RUN apt-get install …`): a sandbox that runs it gets a way out "
            "(course.sandbox.uplink); otherwise a sandbox reaches nothing beyond itself.",
            False,
        ),
        Field(
            "timeout",
            NUMBER,
            "Seconds its checks may take together, and a run of its steps (setup, solution, a wrong answer) may take.",
            120,
        ),
        Field(
            "partial_credit",
            BOOLEAN,
            "Grade by the share of checks that pass, and run every check even after "
            "one failed; otherwise all or nothing.",
            False,
        ),
        Field(
            "check_defaults",
            TABLE,
            "Parameters shared by the checks: each is given to every check whose kind "
            "has a parameter of that name and that does not set it itself.",
            {},
        ),
        Field("setup", TABLES, f'What the exercise starts from, run by `setup("ID")` after a reset: a {_STEPS}.', []),
        Field("check", TABLES, "The checks, in the order a learner fixes things: state first, behaviour after.", []),
        Field("solution", TABLES, f"The reference solution, one step per answer cell: a {_STEPS}.", []),
        Field("wrong", TABLES, "Plausible mistakes that must fail with a known message (`verify` proves it).", []),
        Field(
            "alternative",
            TABLES,
            "Right answers written differently from the reference solution, as learners type them; each must "
            "pass (`verify` proves it).",
            [],
        ),
        Field(
            "equivalent",
            TABLES,
            "Mutants of the solution (`verify --mutations`) that pass and are truly right, with the reason.",
            [],
        ),
    ),
)

OWNS = Table(
    "owns = { … }",
    "Names the exercise creates; a name belongs to one exercise only.",
    (
        Field("containers", STRINGS, "Container names.", []),
        Field("images", STRINGS, "Image names (repositories); every tag of them is the exercise's.", []),
        Field("networks", STRINGS, "Network names.", []),
        Field("volumes", STRINGS, "Volume names.", []),
        Field("projects", STRINGS, "Compose project names: reset takes the project down by its label.", []),
        Field("files", STRINGS, "Paths under the work folder, usually `workspace/ID`.", []),
    ),
)

CHECK = Table(
    "[[exercise.check]]",
    "One check: a kind and its parameters.",
    (
        Field("kind", STRING, "The check kind (`python -m course kinds` lists them, docs/kinds.md too)."),
        Field(
            "name",
            STRING,
            "What the learner reads as the check's name.",
            None,
            "the kind's description with the parameters filled in",
        ),
        Field(
            "always",
            BOOLEAN,
            "Run it in an all-or-nothing exercise even after an earlier check failed, "
            "because its result is the lesson.",
            False,
        ),
    ),
    others="the kind's parameters (see docs/kinds.md); unknown ones are rejected",
)

STEP = Table(
    "[[exercise.setup]], [[exercise.solution]], [[exercise.wrong.steps]]",
    "One step: a `%%bash` cell (`shell`) or a `%%writefile` cell (`file` and `content`).",
    (
        Field("shell", STRING, "A bash script, run in the work folder.", None, "none; give `shell` or `file`"),
        Field(
            "file",
            STRING,
            "A path under the work folder, written with `content`.",
            None,
            "none; give `shell` or `file`",
        ),
        Field("content", STRING, "What a `file` step writes.", ""),
    ),
)

WRONG = Table(
    "[[exercise.wrong]]",
    "A plausible mistake: the steps a learner might run, and the message a failing check must show.",
    (
        Field("title", STRING, "What the mistake is, in a few words."),
        Field("expect", STRING, "Text that the message of a failing check must contain."),
        Field("steps", TABLES, f"The mistake in full, as a {_STEPS}.", None, "none: the unsolved starting state"),
        Field(
            "replace",
            TABLES,
            "The mistake as a change to the reference solution: the solution's steps with "
            "each `[[exercise.wrong.replace]]` applied in order. Give `steps` or `replace`, not both.",
            None,
            "none",
        ),
        Field(
            "repeat",
            INTEGER,
            "How many times `verify` applies and checks it: more than once for a mistake that would pass "
            "when a race (start order, timing) goes its way; it must fail every time.",
            1,
        ),
    ),
)

ALTERNATIVE = Table(
    "[[exercise.alternative]]",
    "A right answer written differently from the reference solution (another flag spelling, the long syntax, "
    "another order): it must pass.",
    (
        Field("title", STRING, "How it differs, in a few words."),
        Field("steps", TABLES, f"The answer in full, as a {_STEPS}.", None, "none"),
        Field(
            "replace",
            TABLES,
            "The answer as a change to the reference solution, as for a wrong answer "
            "(`[[exercise.alternative.replace]]`, same keys as `[[exercise.wrong.replace]]`). Give `steps` or "
            "`replace`.",
            None,
            "none",
        ),
    ),
)

REPLACE = Table(
    "[[exercise.wrong.replace]]",
    "One change to a step of the reference solution.",
    (
        Field("step", INTEGER, "Which solution step it changes, counted from 1."),
        Field("old", STRING, "Text that occurs exactly once in that step (its script, or the file's content)."),
        Field("new", STRING, "The text to put in its place; empty deletes `old`.", ""),
    ),
)

EQUIVALENT = Table(
    "[[exercise.equivalent]]",
    "A mutant of the reference solution that passes because it is right too.",
    (
        Field("mutation", STRING, "The mutant's name as `verify --mutations` prints it, e.g. step 1: drop `-it`."),
        Field("reason", STRING, "Why the change makes no difference to what the exercise teaches."),
    ),
)

TABLES_IN_ORDER = (FILE, EXERCISE, OWNS, CHECK, STEP, WRONG, REPLACE, ALTERNATIVE, EQUIVALENT)


def read_table(raw: dict[str, Any], table: Table, at: At) -> tuple[dict[str, Any], dict[str, Any]]:
    """The declared fields of one table (defaults filled in, types checked) and, where allowed, the rest."""
    known = table.names()
    rest = {key: value for key, value in raw.items() if key not in known}
    if rest and not table.others:
        key = next(iter(rest))
        close = difflib.get_close_matches(key, known, n=1)
        guess = f"did you mean `{close[0]}`? " if close else ""
        raise at.error(
            f"unknown key `{key}` in {table.header}.",
            f"{guess}its keys are: {', '.join(known)} (docs/authoring.md)",
            key,
        )
    values = {}
    for field in table.fields:
        if field.name not in raw:
            if field.required:
                raise at.error(f"`{field.name}` is missing from {table.header}.", f"add it: {field.doc}")
            values[field.name] = field.default
            continue
        value = raw[field.name]
        if not field.type.accepts(value):
            raise at.error(
                f"`{field.name}` must be a {field.type.name}, not {toml_literal(value)}.", field.doc, field.name
            )
        values[field.name] = value
    return values, rest


def toml_literal(value: Any) -> str:
    """A value as it would be written in TOML (for messages and the docs)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = ", ".join(f"{key} = {toml_literal(item)}" for key, item in value.items())
        return f"{{ {pairs} }}" if pairs else "{}"
    return repr(value)


def render_markdown() -> str:
    """The reference of every table and key, for docs/authoring.md (a list, so that lines wrap)."""
    out: list[str] = []
    for table in TABLES_IN_ORDER:
        out += [f"### {table.header}", "", table.doc, ""]
        for field in table.fields:
            default = (
                "required" if field.required else "default " + (field.default_doc or f"`{toml_literal(field.default)}`")
            )
            out.append(_item(f"- `{field.name}` ({field.type.name}, {default}): {field.doc}"))
        if table.others:
            out.append(_item(f"- any other key: {table.others}."))
        out.append("")
    return "\n".join(out)


def _item(text: str) -> str:
    return textwrap.fill(text, width=118, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)


START, END = "<!-- schema:start -->", "<!-- schema:end -->"


def with_reference(page: str) -> str:
    """The authors' page with the generated reference between its markers (a test keeps the page in step)."""
    head, rest = page.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{render_markdown()}{END}{tail}"
