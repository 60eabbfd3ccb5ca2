"""`python -m course workshop …`: the sub-commands and their flags (course.workshop.control does the work)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from checker.i18n import _


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "workshop",
        help="Run a workshop server: JupyterHub with a sandbox per learner and a live instructor dashboard (root).",
        description="Run a workshop server: JupyterHub with a sandbox per learner and a live instructor dashboard.",
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="up|status|down|export|image")
    up = actions.add_parser("up", help="start the hub and print the attendees' URL and code")
    up.add_argument("--seats", type=int, default=30, metavar="N", help="how many learners may log in (default 30)")
    up.add_argument("--port", type=int, default=8000, metavar="P", help="the attendees' port (default 8000)")
    up.add_argument("--code", metavar="WORKSHOP-CODE", help="the code attendees log in with (default: made up)")
    up.add_argument(
        "--cull-after",
        type=int,
        default=3600,
        metavar="S",
        help="stop a learner's server after S seconds idle; their files and progress stay (default 3600)",
    )
    up.add_argument(
        "--warm",
        type=int,
        default=10,
        metavar="N",
        help="seats kept ready ahead of logins, so a room logging in at once does not wait for new sandboxes; "
        "each costs an idle daemon, ~150 MiB (default 10, at most --seats)",
    )
    status = actions.add_parser("status", help="who is connected, their progress, memory used and free")
    status.add_argument("--json", action="store_true")
    down = actions.add_parser(
        "down", help="stop everything and remove every learner's sandbox (writes the results first)"
    )
    down.add_argument("--out", default=".", metavar="DIR", help="where the class's results go (default: here)")
    export = actions.add_parser("export", help="write the class's progress as CSV and JSON")
    export.add_argument("--out", default=".", metavar="DIR", help="the folder to write into (default: here)")
    image = actions.add_parser("image", help="build the single-user image for Kubernetes (docs/scaling.md)")
    image.add_argument("--base", help="the base image (default python:3.11-slim)")
    image.add_argument("--force", action="store_true", help="build even if an image of the same content exists")
    image.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from course.workshop import control, report

    if args.action == "up":
        ws = control.up(
            seats_count=args.seats, port=args.port, code=args.code, cull_after=args.cull_after, warm=args.warm
        )
        print(control.welcome(ws))
        return 0
    if args.action == "status":
        data = control.status()
        print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else control.status_text(data))
        return 0 if data["running"] else 1
    if args.action == "image":
        import sys

        from course.workshop.image import build

        def log(line: str) -> None:  # with --json, progress goes to stderr and only the result to stdout
            print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

        built = build.build(base=args.base or build.BASE_IMAGE, force=args.force, log=log)
        if args.json:
            print(json.dumps(built.__dict__, indent=2))
        return 0
    if args.action == "export":
        written = report.export(Path(args.out))
        print(_("Wrote {files}").format(files=", ".join(str(path) for path in written)))
        return 0
    if control.running() is not None or Path(control.state.folder() / "learners").is_dir():
        written = report.export(Path(args.out))
        print(_("The class's results: {files}").format(files=", ".join(str(path) for path in written)))
    left = control.down()
    if left:
        print("✘ " + _("Not everything could be removed: {left}").format(left="; ".join(left)))
        print("  → " + _("run `python -m course.sandbox clean` as root, then `python -m course workshop down` again"))
        return 1
    print(_("The workshop is down: no learner's sandbox is left."))
    return 0
