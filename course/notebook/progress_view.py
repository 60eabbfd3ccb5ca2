"""Progress per chapter, and what comes next: shared by `course progress` and the notebook dashboard."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from checker import progress
from checker.registry import Registry

CHAPTER_TITLES = {
    0: "Start here",
    1: "Containers",
    2: "Dockerfile",
    3: "Build and run",
    4: "Compose",
    5: "Networks",
    6: "Compose networks",
    7: "Shipping",
    8: "Data",
    9: "Production images",
    10: "Debugging and operating",
}


@dataclass(frozen=True)
class ChapterProgress:
    chapter: int
    title: str
    notebook: str
    passed: int
    total: int
    points: float
    max_points: float
    last_passed: str | None = None  # when the chapter's latest pass happened (the store's timestamp)

    def when(self) -> str:
        return f", last pass {self.last_passed[:16].replace('T', ' ')}" if self.last_passed else ""


@dataclass(frozen=True)
class Progress:
    chapters: tuple[ChapterProgress, ...]
    next_exercise: dict[str, Any] | None
    passed_at: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        return {"chapters": [asdict(c) for c in self.chapters], "next": self.next_exercise, "passed": self.passed_at}

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # noqa: ARG002 - IPython's signature
        """IPython's text/plain (nbclient, consoles): the same text `course progress` prints."""
        printer.text(str(self))

    def _repr_html_(self) -> str:
        import html

        rows = []
        for c in self.chapters:
            percent = round(100 * c.passed / c.total) if c.total else 0
            rows.append(
                f"<tr><td>{c.chapter:02d} {html.escape(c.title)}</td>"
                f"<td><progress max='100' value='{percent}'></progress></td>"
                f"<td>{c.passed}/{c.total} exercises, {c.points:g}/{c.max_points:g} "
                f"points{html.escape(c.when())}</td></tr>"
            )
        n = self.next_exercise
        upcoming = (
            f"<p>Next: <b>{html.escape(n['title'])}</b> ({html.escape(n['id'])}) in "
            f"<a href='{html.escape(n['notebook'])}.ipynb'><code>{html.escape(n['notebook'])}.ipynb</code></a></p>"
            if n
            else "<p>Every exercise has passed. Well done!</p>"
        )
        return f"<div class='course-progress'><table>{''.join(rows)}</table>{upcoming}</div>"

    def __str__(self) -> str:
        lines = []
        for c in self.chapters:
            filled = round(20 * c.passed / c.total) if c.total else 0
            bar = "█" * filled + "░" * (20 - filled)
            lines.append(
                f"{c.chapter:02d} {c.title:<17} {bar} {c.passed}/{c.total} exercises, {c.points:g}/{c.max_points:g} "
                f"points{c.when()}"
            )
        if self.next_exercise:
            n = self.next_exercise
            lines.append(f"Next: {n['title']} ({n['id']}) in notebooks/{n['notebook']}.ipynb")
        else:
            lines.append("Every exercise has passed. Well done!")
        return "\n".join(lines)


def compute(registry: Registry) -> Progress:
    passed_at = progress.load()["passed"]
    chapters = []
    for number in sorted({e.chapter for e in registry.exercises}):
        exercises = registry.chapter(number)
        done = [e for e in exercises if e.id in passed_at]
        chapters.append(
            ChapterProgress(
                number,
                CHAPTER_TITLES.get(number, f"Chapter {number}"),
                exercises[0].notebook,
                len(done),
                len(exercises),
                sum(e.points for e in done),
                sum(e.points for e in exercises),
                max((passed_at[e.id] for e in done), default=None),
            )
        )
    upcoming = next((e for e in registry.exercises if e.id not in passed_at), None)
    return Progress(tuple(chapters), upcoming.summary() if upcoming else None, dict(passed_at))
