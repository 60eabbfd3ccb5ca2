"""Reading a Dockerfile's text, only to name mistakes precisely (the build itself proves it works).

Pure logic: no daemon. Instructions keep their first line number, so every
mistake is named with the line a learner has to fix.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from fnmatch import fnmatch

from checker.i18n import _


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str

    def __str__(self) -> str:
        text = f"{self.keyword} {self.args}".strip()
        return _("line {number} `{instruction}`").format(
            number=self.line, instruction=text if len(text) <= 70 else text[:67] + "…"
        )


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with their first line number; comments dropped, `\\` continuations joined."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1])
            continue
        pending.append(stripped)
        joined = " ".join(part.strip() for part in pending if part.strip())
        pending = []
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(start, keyword.upper(), args.strip()))
    if pending:
        joined = " ".join(pending)
        keyword, _, args = joined.partition(" ")
        instructions.append(Instruction(start, keyword.upper(), args.strip()))
    return instructions


def copy_operands(args: str) -> list[str]:
    """The sources and destination of COPY/ADD (JSON or plain form), without `--flags`."""
    if args.startswith("["):
        try:
            return [str(item) for item in json.loads(args)]
        except ValueError:
            pass
    try:
        words = shlex.split(args)
    except ValueError:
        words = args.split()
    return [word for word in words if not word.startswith("--")]


def copies_file(instruction: Instruction, name: str) -> bool:
    """Does this COPY/ADD bring `name` in? A folder source (`.`, `src/`) may hold it; a pattern may match it."""
    for source in copy_operands(instruction.args)[:-1]:
        clean = source[2:] if source.startswith("./") else source
        if clean in ("", ".") or clean.endswith("/") or fnmatch(name, clean) or fnmatch(name, clean.rsplit("/", 1)[-1]):
            return True
    return False


def needs_workdir(instruction: Instruction, manifest: str) -> bool:
    """Does it depend on the current folder? A COPY/ADD to an absolute destination does not, nor a RUN that
    names the manifest only by an absolute path (`< /app/packages.txt`): a WORKDIR after those is no mistake."""
    if instruction.keyword in ("COPY", "ADD"):
        operands = copy_operands(instruction.args)
        return len(operands) < 2 or not operands[-1].startswith("/")
    paths = re.findall(rf"""[^\s<>|;&"'=()]*{re.escape(manifest)}""", instruction.args)
    return not paths or any(not path.startswith("/") for path in paths)


def dockerfile_mistakes(text: str, manifest: str) -> list[str]:
    """The notes' three classic mistakes, each named with its line, in file order (per build stage)."""
    found: list[tuple[int, str]] = []
    stages: list[list[Instruction]] = [[]]
    for instruction in parse_dockerfile(text):
        if instruction.keyword == "FROM" and stages[-1]:
            stages.append([])
        stages[-1].append(instruction)
    for stage in stages:
        body = [i for i in stage if i.keyword != "FROM"]
        copies = [i for i in body if i.keyword in ("COPY", "ADD")]
        for instruction in copies:
            if len(copy_operands(instruction.args)) < 2:
                example = f"`COPY {instruction.args or 'app.py'} .`"
                found.append(
                    (
                        instruction.line,
                        _(
                            "{instruction} has no destination: a COPY needs a source and a destination, e.g. {example}"
                        ).format(instruction=instruction, example=example),
                    )
                )
        uses = [i for i in body if i.keyword == "RUN" and manifest in i.args]
        for run in uses:
            if not any(c.line < run.line and copies_file(c, manifest) for c in copies):
                later = next((c for c in copies if c.line > run.line and copies_file(c, manifest)), None)
                reads = (
                    _(
                        "{run} reads {manifest} before the image has it (it is copied only later, at {later}): copy "
                        "the manifest first, then install"
                    )
                    if later
                    else _("{run} reads {manifest} before the image has it: copy the manifest first, then install")
                )
                found.append((run.line, reads.format(run=run, manifest=manifest, later=later)))
        workdirs = [i for i in body if i.keyword == "WORKDIR"]
        depends = [i for i in body if (i.keyword in ("COPY", "ADD") or i in uses) and needs_workdir(i, manifest)]
        if depends and not workdirs:
            found.append(
                (
                    depends[0].line,
                    _(
                        "there is no WORKDIR, so {instruction} and the rest work in `/`: set `WORKDIR /app` before them"
                    ).format(instruction=depends[0]),
                )
            )
        elif depends and workdirs[0].line > depends[0].line:
            found.append(
                (
                    workdirs[0].line,
                    _(
                        "{workdir} comes after {instruction}, which already ran in `/`: set WORKDIR before the "
                        "instructions that depend on it"
                    ).format(workdir=workdirs[0], instruction=depends[0]),
                )
            )
    return [text for _, text in sorted(found, key=lambda item: item[0])]
