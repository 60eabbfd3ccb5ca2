"""The progress dashboard a notebook cell shows: a bar per chapter; it refreshes when a check passes."""

from __future__ import annotations

import weakref
from typing import Any

import ipywidgets as widgets

_dashboards: "weakref.WeakSet[ProgressBoard]" = weakref.WeakSet()


class ProgressBoard(widgets.HTML):
    """The progress dashboard; it refreshes itself whenever a panel's check passes."""

    def __init__(self) -> None:
        super().__init__("")
        self.add_class("course-progress-board")
        self.state: Any = None
        self.refresh()
        _dashboards.add(self)

    def refresh(self) -> None:
        from checker.registry import default_registry
        from course.notebook import progress_view

        self.state = progress_view.compute(default_registry())
        self.value = self.state._repr_html_()

    def __repr__(self) -> str:
        return str(self.state)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = super()._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = str(self.state)
        return bundle


def refresh_dashboards() -> None:
    for board in list(_dashboards):
        try:
            board.refresh()
        except Exception:  # noqa: BLE001 - a stale dashboard must never break a check
            pass
