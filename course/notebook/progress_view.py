"""Progress per chapter, and what comes next: shared by `course progress` and the notebook dashboard."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from checker import progress
from checker.i18n import N_, _
from checker.registry import Registry
from course.notebook.languages import shown_notebook

# English, as the JSON of `course progress --json` and the workshop report carry them; shown through `_()`.
CHAPTER_TITLES = {
    0: N_("Start here"),
    1: N_("Containers"),
    2: N_("Dockerfile"),
    3: N_("Build and run"),
    4: N_("Compose"),
    5: N_("Networks"),
    6: N_("Compose networks"),
    7: N_("Shipping"),
    8: N_("Data"),
    9: N_("Production images"),
    10: N_("Debugging and operating"),
}
TITLE_WIDTH = 17  # terminal columns of the chapter titles in `course progress`


def pad(text: str, width: int) -> str:
    """`text` padded to `width` terminal columns: Hangul and other wide characters take two."""
    columns = sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)
    return text + " " * max(0, width - columns)


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
        if not self.last_passed:
            return ""
        return _(", last pass {time}").format(time=self.last_passed[:16].replace("T", " "))

    def counts(self) -> str:
        """ "2/3 exercises, 3/5 points" and when the last pass was."""
        return _("{passed}/{total} exercises, {points}/{max_points} points{when}").format(
            passed=self.passed,
            total=self.total,
            points=f"{self.points:g}",
            max_points=f"{self.max_points:g}",
            when=self.when(),
        )


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

    def _next_title(self) -> str:
        """The next exercise's title in the learner's language."""
        title = str((self.next_exercise or {}).get("title", ""))
        return _(title)

    def _repr_html_(self) -> str:
        import html

        rows = []
        for c in self.chapters:
            percent = round(100 * c.passed / c.total) if c.total else 0
            rows.append(
                f"<tr><td>{c.chapter:02d} {html.escape(_(c.title))}</td>"
                f"<td><progress max='100' value='{percent}'></progress></td>"
                f"<td>{html.escape(c.counts())}</td></tr>"
            )
        n = self.next_exercise
        if n:
            file = html.escape(shown_notebook(n["notebook"]))
            upcoming = "<p>" + html.escape(_("Next: {title} ({id}) in {notebook}"), quote=False).format(
                title=f"<b>{html.escape(self._next_title())}</b>",
                id=html.escape(n["id"]),
                notebook=f"<a href='{file}'><code>{file}</code></a>",
            )
            upcoming += "</p>"
        else:
            upcoming = "<p>" + html.escape(_("Every exercise has passed. Well done!")) + "</p>"
        return f"<div class='course-progress'><table>{''.join(rows)}</table>{upcoming}</div>"

    def __str__(self) -> str:
        lines = []
        for c in self.chapters:
            filled = round(20 * c.passed / c.total) if c.total else 0
            bar = "█" * filled + "░" * (20 - filled)
            lines.append(f"{c.chapter:02d} {pad(_(c.title), TITLE_WIDTH)} {bar} {c.counts()}")
        if self.next_exercise:
            n = self.next_exercise
            lines.append(
                _("Next: {title} ({id}) in {notebook}").format(
                    title=self._next_title(), id=n["id"], notebook=f"notebooks/{shown_notebook(n['notebook'])}"
                )
            )
        else:
            lines.append(_("Every exercise has passed. Well done!"))
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
