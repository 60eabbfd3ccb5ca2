"""The dashboard's HTML: one self-contained page, and the live part of it that the page refreshes.

Rooms have poor internet, so the page carries its own CSS and script and fetches
nothing but its own live part. That part (`live`) is the same markup the page
starts with: the page's script fetches it every POLL_SECONDS and swaps it in, so
one renderer draws the grid and every value from a learner's progress file goes
through `escape` here. The script and style carry a per-response nonce that the
Content-Security-Policy (app.py) requires, and nothing uses a style attribute:
bars are SVG rectangles.

Browser tests can rely on: each cell `td.cell[data-learner][data-exercise][data-status]` (passed, failed,
hinted, untouched), each learner row `tr.learner[data-learner]` with class `stuck` when stuck, the help list
`li.stuck-card[data-learner]`, and each bar `g.rate[data-exercise][data-rate]`.
"""

from __future__ import annotations

from html import escape

from checker.i18n import _, ngettext
from course.workshop.dashboard.assets import CSS, SCRIPT
from course.workshop.report import (
    FAILED,
    HINTED,
    PASSED,
    STUCK_FAILURES,
    STUCK_MINUTES,
    UNTOUCHED,
    Cell,
    ClassView,
    ExerciseColumn,
    LearnerRow,
)

POLL_SECONDS = 2


def labels() -> dict[str, str]:
    """Every word of the page, in one place; called per render so a translation can follow the workshop."""
    return {
        "title": _("Workshop dashboard"),
        "learners": _("learners"),
        "stuck": _("stuck"),
        "average": _("exercises passed on average, of {total}"),
        "download_csv": _("Download CSV"),
        "download_json": _("Download JSON"),
        "updated": _("Updated {time}"),
        "lost": _("Not updating: the dashboard cannot be reached. Reload the page, or check the hub."),
        "help": _("Needs help"),
        "nobody_stuck": _("Nobody is stuck."),
        "rule": _("Stuck: {failures} failed checks, or {minutes} minutes, on an exercise not passed yet."),
        "class": _("Class"),
        "learner": _("Learner"),
        "passed": _("Passed"),
        "working_on": _("Working on"),
        "time": _("Time on it"),
        "pass_rate": _("Pass rate"),
        "rates": _("Pass rate per exercise"),
        "no_learners": _("No learners yet: each one appears here after logging in."),
        "legend": _("Cells:"),
        "legend_passed": _("passed"),
        "legend_failed": _("failed checks"),
        "legend_hinted": _("hints revealed"),
        "legend_untouched": _("not started"),
        "status_passed": _("passed"),
        "status_failed": _("not passed yet"),
        "status_hinted": _("hints revealed"),
        "status_untouched": _("not started"),
        "cell_hinted": _("h{hints}"),
        "cell_tip": _("{title} ({id}): {status}. Failed checks: {failed}. Hints: {hints}/{available}."),
        "last_check": _("Last check at {time}."),
        "nothing_yet": _("—"),
        "under_a_minute": _("< 1 min"),
        "minutes": _("{minutes} min"),
        "hours": _("{hours} h {minutes:02d}"),
        "stuck_time": _("{duration} without a pass"),
        "rate_tip": _("{title} ({id}): {percent}% ({passed}/{learners})"),
    }


def failed_checks(count: int) -> str:
    return ngettext("{count} failed check", "{count} failed checks", count).format(count=count)


def duration(seconds: int | None, t: dict[str, str]) -> str:
    if seconds is None:
        return t["nothing_yet"]
    minutes = seconds // 60
    if minutes < 1:
        return t["under_a_minute"]
    if minutes < 60:
        return t["minutes"].format(minutes=minutes)
    return t["hours"].format(hours=minutes // 60, minutes=minutes % 60)


def clock(iso: str | None) -> str:
    """HH:MM of a report timestamp (already in the dashboard's time zone)."""
    return iso[11:16] if iso and len(iso) >= 16 else ""


def short_labels(view: ClassView) -> dict[str, str]:
    """Column headings: chapter.position ("4.2"), since 50 titles do not fit across a projector."""
    return {exercise: f"{c.number}.{i}" for c in view.chapters for i, exercise in enumerate(c.exercises, 1)}


# ---- the page --------------------------------------------------------------------------------------------------


def page(view: ClassView, prefix: str, nonce: str, xsrf: str, lang: str = "en") -> str:
    """The whole page. `xsrf` is the hub's token, which the script sends back with each fetch."""
    t = labels()
    live_url = f"{prefix}live"
    return f"""<!doctype html>
<html lang="{escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{escape(t["title"])}</title>
<style nonce="{escape(nonce)}">{CSS}</style>
</head>
<body>
<header class="top">
  <h1>{escape(t["title"])}</h1>
  <p id="live-status" class="live-status" data-updated="{escape(t["updated"])}" data-lost="{escape(t["lost"])}">
    {escape(t["updated"].format(time=view.generated[11:19]))}</p>
  <nav class="downloads">
    <a href="{escape(prefix)}export.csv" download>{escape(t["download_csv"])}</a>
    <a href="{escape(prefix)}export.json" download>{escape(t["download_json"])}</a>
  </nav>
</header>
<main id="live" data-src="{escape(live_url)}" data-poll="{POLL_SECONDS * 1000}" data-xsrf="{escape(xsrf)}">
{live(view)}
</main>
<script nonce="{escape(nonce)}">{SCRIPT}</script>
</body>
</html>
"""


def live(view: ClassView) -> str:
    """What the page refreshes: the summary, who needs help, the grid and the pass-rate chart."""
    t = labels()
    return "\n".join((_summary(view, t), _help(view, t), _grid(view, t), _rates(view, t)))


def _summary(view: ClassView, t: dict[str, str]) -> str:
    count = len(view.learners)
    average = sum(row.passed for row in view.learners) / count if count else 0
    stuck = len(view.stuck)
    return (
        f'<section class="summary">'
        f'<div class="figure" data-figure="learners"><b>{count}</b> {escape(t["learners"])}</div>'
        f'<div class="figure{" alert" if stuck else ""}" data-figure="stuck"><b>{stuck}</b> {escape(t["stuck"])}</div>'
        f'<div class="figure" data-figure="average"><b>{average:.1f}</b> '
        f"{escape(t['average'].format(total=len(view.exercises)))}</div>"
        f"</section>"
    )


def _help(view: ClassView, t: dict[str, str]) -> str:
    rule = t["rule"].format(failures=STUCK_FAILURES, minutes=STUCK_MINUTES)
    longest_first = sorted(view.stuck, key=lambda row: -(row.current.seconds or 0) if row.current else 0)
    cards = [_stuck_card(row, t) for row in longest_first]
    calm = f'<p class="calm">{escape(t["nobody_stuck"])}</p>'
    body = f'<ul class="stuck-list scroll" id="help-list">{"".join(cards)}</ul>' if cards else calm
    return f'<section class="help"><h2>{escape(t["help"])}</h2><p class="rule">{escape(rule)}</p>{body}</section>'


def _stuck_card(row: LearnerRow, t: dict[str, str]) -> str:
    current = row.current
    if current is None:  # stuck always has a current exercise; this keeps the type checker and a reader sure
        return ""
    failed = row.cell(current.exercise).failed
    why = [failed_checks(failed)] if failed else []
    if current.seconds is not None:
        why.append(t["stuck_time"].format(duration=duration(current.seconds, t)))
    messages = "".join(f"<li>{escape(message)}</li>" for message in row.messages)
    return (
        f'<li class="stuck-card" data-learner="{escape(row.name)}" data-exercise="{escape(current.exercise)}"'
        f' data-reason="{escape(row.stuck_reason or "")}">'
        f'<div class="who"><b>{escape(row.name)}</b> <span>{escape(current.title)}</span>'
        f" <code>{escape(current.exercise)}</code></div>"
        f'<div class="why">{escape(" · ".join(why))}</div>'
        f"{f'<ul class=messages>{messages}</ul>' if messages else ''}</li>"
    )


def _grid(view: ClassView, t: dict[str, str]) -> str:
    codes = short_labels(view)
    columns = {column.id: column for column in view.exercises}
    chapters = "".join(
        f'<th class="chapter" colspan="{len(c.exercises)}" data-chapter="{c.number}" title="{escape(c.title)}">'
        f"{c.number} {escape(c.title)}</th>"
        for c in view.chapters
        if c.exercises
    )
    heads = "".join(
        f'<th class="ex" data-exercise="{escape(ex)}" title="{escape(columns[ex].title)} ({escape(ex)})">'
        f"{escape(codes[ex])}</th>"
        for c in view.chapters
        for ex in c.exercises
    )
    fixed = f'<th class="name">{escape(t["learner"])}</th><th>{escape(t["passed"])}</th>'
    fixed += f"<th>{escape(t['working_on'])}</th><th>{escape(t['time'])}</th>"
    order = [ex for c in view.chapters for ex in c.exercises]
    rows = "".join(_row(row, order, columns, t) for row in view.learners)
    if not rows:
        rows = f'<tr><td class="empty" colspan="{4 + len(order)}">{escape(t["no_learners"])}</td></tr>'
    rates = "".join(
        f'<td class="rate" data-exercise="{escape(ex)}">{round(100 * columns[ex].pass_rate)}%</td>' for ex in order
    )
    legend = (
        f'<p class="legend">{escape(t["legend"])} <span class="cell passed">✓</span> {escape(t["legend_passed"])}'
        f' <span class="cell failed">3</span> {escape(t["legend_failed"])}'
        f' <span class="cell hinted">{escape(t["cell_hinted"].format(hints=2))}</span> {escape(t["legend_hinted"])}'
        f' <span class="cell untouched"></span> {escape(t["legend_untouched"])}</p>'
    )
    return (
        f'<section class="class"><h2>{escape(t["class"])}</h2>{legend}'
        f'<div class="scroll" id="grid-scroll"><table class="grid">'
        f'<thead><tr><th colspan="4" class="corner"></th>{chapters}</tr><tr>{fixed}{heads}</tr></thead>'
        f"<tbody>{rows}</tbody>"
        f'<tfoot><tr><th colspan="4" class="name">{escape(t["pass_rate"])}</th>{rates}</tr></tfoot>'
        f"</table></div></section>"
    )


def _row(row: LearnerRow, order: list[str], columns: dict[str, ExerciseColumn], t: dict[str, str]) -> str:
    current = row.current
    if current:
        tip = " | ".join(row.messages) or current.exercise
        done = row.cell(current.exercise).status == PASSED  # passed it, and not checked the next one yet
        working = (
            f'<td class="current{" done" if done else ""}" data-exercise="{escape(current.exercise)}"'
            f' title="{escape(tip)}">{"✓ " if done else ""}{escape(current.title)}</td>'
        )
        long = " long" if (current.seconds or 0) >= STUCK_MINUTES * 60 and row.stuck else ""
        time = f'<td class="time{long}">{escape(duration(current.seconds, t))}</td>'
    else:
        working = f'<td class="current none">{escape(t["nothing_yet"])}</td>'
        time = f'<td class="time">{escape(t["nothing_yet"])}</td>'
    cells = "".join(_cell(row.name, row.cell(ex), columns[ex], t) for ex in order)
    stuck = " stuck" if row.stuck else ""
    return (
        f'<tr class="learner{stuck}" data-learner="{escape(row.name)}" data-stuck="{escape(row.stuck_reason or "")}">'
        f'<th class="name" scope="row">{escape(row.name)}</th>'
        f'<td class="count">{row.passed}/{len(order)}</td>{working}{time}{cells}</tr>'
    )


def _cell(learner: str, cell: Cell, column: ExerciseColumn, t: dict[str, str]) -> str:
    content = {
        PASSED: "✓",
        FAILED: str(cell.failed),
        HINTED: t["cell_hinted"].format(hints=cell.hints),
        UNTOUCHED: "",
    }[cell.status]
    tip = t["cell_tip"].format(
        title=column.title,
        id=column.id,
        status=t[f"status_{cell.status}"],
        failed=cell.failed,
        hints=cell.hints,
        available=column.hints,
    )
    if cell.last_check:
        tip += " " + t["last_check"].format(time=clock(cell.last_check))
    if cell.messages:
        tip += "\n" + "\n".join(cell.messages)
    return (
        f'<td class="cell {cell.status}" data-learner="{escape(learner)}" data-exercise="{escape(cell.exercise)}"'
        f' data-status="{cell.status}" data-failed="{cell.failed}" data-hints="{cell.hints}" title="{escape(tip)}">'
        f"{escape(content)}</td>"
    )


def _rates(view: ClassView, t: dict[str, str]) -> str:
    """Pass rate per exercise as an SVG column chart, grouped by chapter like the grid's columns."""
    bar, gap, group_gap, height = 12, 4, 14, 100
    x = 0
    parts = []
    codes = short_labels(view)
    columns = {column.id: column for column in view.exercises}
    learners = len(view.learners)
    for chapter in view.chapters:
        if not chapter.exercises:
            continue
        start = x
        for ex in chapter.exercises:
            column = columns[ex]
            filled = round(height * column.pass_rate, 1)
            percent = round(100 * column.pass_rate)
            tip = t["rate_tip"].format(
                title=column.title, id=ex, percent=percent, passed=column.passed, learners=learners
            )
            parts.append(
                f'<g class="rate" data-exercise="{escape(ex)}" data-rate="{column.pass_rate}">'
                f"<title>{escape(tip)}</title>"
                f'<rect class="track" x="{x}" y="0" width="{bar}" height="{height}"/>'
                f'<rect class="fill" x="{x}" y="{height - filled}" width="{bar}" height="{filled}"/>'
                f'<text class="code" x="{x + bar / 2}" y="{height + 12}">{escape(codes[ex].split(".")[1])}</text></g>'
            )
            x += bar + gap
        middle = (start + x - gap) / 2
        parts.append(f'<text class="chapter-label" x="{middle}" y="{height + 28}">{chapter.number}</text>')
        x += group_gap
    width = max(x - group_gap, 1)
    return (
        f'<section class="rates"><h2>{escape(t["rates"])}</h2>'
        f'<svg class="rate-chart" viewBox="-2 -2 {width + 4} {height + 34}" role="img"'
        f' aria-label="{escape(t["rates"])}">{"".join(parts)}</svg></section>'
    )
