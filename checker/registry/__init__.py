"""The exercise registry: declarative per-chapter TOML files, loaded into frozen dataclasses.

The engine never names an exercise; everything an exercise is (its checks,
hints, owned resources, reference solution and known wrong answers) lives in
`course/exercises/NN-chapter.toml`. The format is declared in `schema`, read by
`loader`, and judged in `validate`; `model` is what everyone else imports.
"""

from __future__ import annotations

import functools

from checker.registry.loader import load_chapter, load_registry
from checker.registry.model import (
    Alternative,
    CheckSpec,
    Equivalent,
    Exercise,
    Owned,
    Registry,
    Step,
    WrongAnswer,
    chapter_number,
)
from checker.settings import exercises_dir

__all__ = [
    "Alternative",
    "CheckSpec",
    "Equivalent",
    "Exercise",
    "Owned",
    "Registry",
    "Step",
    "WrongAnswer",
    "chapter_number",
    "default_registry",
    "exercises_dir",
    "load_chapter",
    "load_registry",
]


@functools.lru_cache(maxsize=1)
def default_registry() -> Registry:
    return load_registry()
