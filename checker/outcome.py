"""The verdict of one check kind, and the exception that ends a kind early with one.

Kept apart from the kinds so that the context and the facts layer can end a
check ("there is no such container") without importing any kind.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    passed: bool
    message: str
    hint: str = ""


def ok(message: str) -> Outcome:
    return Outcome(True, message)


def fail(message: str, hint: str = "") -> Outcome:
    return Outcome(False, message, hint)


class Unmet(Exception):  # noqa: N818 - a verdict carried out of a kind, not an error
    """A precondition of a check does not hold (no such container, image, service…).

    Raised by `CheckContext.require_*`; the `kind` decorator turns it back into
    its Outcome, so a kind reads as a straight line instead of 28 copies of
    "look it up, else say it is missing".
    """

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.message)
        self.outcome = outcome
