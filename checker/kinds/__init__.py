"""Check kinds: the vocabulary the registry uses (`container_running`, `http_responds`, …).

A kind is a function `(ctx, **params) -> Outcome`, registered by name with a
description template. Kinds never name an exercise; the registry supplies the
parameters. `get_kind` loads every kind module on first use. Kinds read the
daemon through the typed views of checker.facts (via the CheckContext), one
module per resource they check; `ctx.require_container(…)` and friends end a
check with the one "it is missing" message, which the decorator returns.

A description template is marked with `N_()` where the kind is registered and
translated in `Kind.title`, before it is filled: the learner reads the check's
name in their language, with the parameters (names, ports, paths) as given.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable

from checker.errors import RegistryError
from checker.i18n import _
from checker.outcome import Outcome, Unmet, fail, ok

__all__ = ["KINDS", "Kind", "Outcome", "fail", "get_kind", "kind", "ok"]


@dataclass(frozen=True)
class Kind:
    name: str
    describe: str
    func: Callable[..., Outcome]
    signature: inspect.Signature  # computed once: every check of every exercise names itself with it
    behaviour: bool = False  # runs something (a build, a container, a probe, Compose): seconds, not milliseconds

    @property
    def description(self) -> str:
        """The first paragraph of the kind's docstring ("" if it has none): what it proves, and why."""
        return inspect.cleandoc(self.func.__doc__ or "").split("\n\n", 1)[0].replace("\n", " ")

    def title(self, params: dict[str, Any]) -> str:
        """The check's name: the description, in the learner's language, filled with its parameters (defaults too)."""
        try:
            bound = self.signature.bind_partial(None, **params)
            bound.apply_defaults()
        except TypeError:
            return self.name
        for template in (_(self.describe), self.describe):  # a broken translation falls back to the English
            try:
                return template.format(**bound.arguments)
            except (KeyError, IndexError, TypeError, ValueError):
                continue
        return self.name

    def validate(self, params: dict[str, Any]) -> None:
        """Raise RegistryError if params do not fit the kind's signature (used by `verify`)."""
        try:
            self.signature.bind(None, **params)
        except TypeError as exc:
            raise RegistryError(
                f"check kind {self.name!r}: {exc}.", "fix the check's parameters in the chapter file"
            ) from None


KINDS: dict[str, Kind] = {}


def kind(
    name: str, describe: str, *, behaviour: bool = False
) -> Callable[[Callable[..., Outcome]], Callable[..., Outcome]]:
    """Register a check kind under `name`; `describe` is a str.format template over its params,
    marked `N_("…")` so that it is extracted (Kind.title translates it).

    `behaviour=True` marks a kind that makes the daemon do something (build, run, probe, Compose)
    rather than read its state: the engine skips it once an earlier check of an all-or-nothing
    exercise failed, since it could not change the verdict and would only make the learner wait.
    """

    def register(func: Callable[..., Outcome]) -> Callable[..., Outcome]:
        if name in KINDS:
            raise RegistryError(f"check kind {name!r} is defined twice.", "rename one of them")

        @functools.wraps(func)
        def run(*args: Any, **kwargs: Any) -> Outcome:
            try:
                return func(*args, **kwargs)
            except Unmet as unmet:  # ctx.require_…: what the check needs is not there
                return unmet.outcome

        KINDS[name] = Kind(name, describe, run, inspect.signature(func), behaviour)
        return run

    return register


def get_kind(name: str) -> Kind:
    _load_all()
    try:
        return KINDS[name]
    except KeyError:
        raise RegistryError(f"Unknown check kind {name!r}.", f"use one of: {', '.join(sorted(KINDS))}") from None


_loaded = False


def _load_all() -> None:
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    _loaded = True
