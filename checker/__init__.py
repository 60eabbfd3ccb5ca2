"""The course's auto-checker: an engine of check kinds driven by a declarative exercise registry.

Import stays light (the Docker SDK loads on first use), so a notebook's first
cell is quick. In a notebook: `from checker import check; check("warmup-hello")`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["check", "hint", "prepare", "reset", "solve"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from checker import api

        return getattr(api, name)
    raise AttributeError(name)
