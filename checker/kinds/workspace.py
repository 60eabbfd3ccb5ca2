"""Check kinds about files the learner writes in the workspace (answers, Dockerfiles)."""
from __future__ import annotations

from checker.context import CheckContext
from checker.kinds import Outcome, fail, kind, ok


def read_answer(ctx: CheckContext, path: str) -> str | None:
    target = ctx.path(path)
    return target.read_text(encoding="utf-8", errors="replace") if target.is_file() else None


@kind("file_exists", "{path} exists")
def file_exists(ctx: CheckContext, *, path: str) -> Outcome:
    if read_answer(ctx, path) is None:
        return fail(f"{path} does not exist yet.", "run the answer cell that writes it (`%%writefile …`)")
    return ok("found.")


@kind("file_contains", "{path} contains {text!r}")
def file_contains(ctx: CheckContext, *, path: str, text: str) -> Outcome:
    content = read_answer(ctx, path)
    if content is None:
        return fail(f"{path} does not exist yet.", "run the answer cell that writes it (`%%writefile …`)")
    if text not in content:
        return fail(f"{path} does not contain {text!r}.")
    return ok("found.")


@kind("answer_equals", "the answer in {path} is right")
def answer_equals(ctx: CheckContext, *, path: str, expected: str, explain: str = "") -> Outcome:
    """A recorded answer (a word, a number) compared to a fixed expected value."""
    content = read_answer(ctx, path)
    if content is None:
        return fail(f"{path} does not exist yet.", "run the answer cell that writes it")
    answer = content.strip()
    if answer.lower() != expected.lower():
        return fail(f"Your answer {answer!r} is not right." + (f" {explain}" if explain else ""))
    return ok(f"{answer!r}.")
