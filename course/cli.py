"""The command line: `python -m course COMMAND`. See README.md for the contract.

Exit codes: 0 success or pass, 1 failure or not ready, 2 could not check
(daemon down, unknown exercise, bad input). No command prints a traceback for
a learner's or a machine's problem; CourseError messages say what to do.

Every command speaks the learner's language (checker.i18n): `--lang ko`
before or after the command name, else COURSE_LANG, the language `lab --lang`
remembered, or the locale. Flag names and JSON stay English.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, Callable

from checker import i18n
from checker.errors import CourseError
from checker.i18n import _
from course import cli_language

Handler = Callable[[argparse.Namespace], int]


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def cmd_doctor(args: argparse.Namespace) -> int:
    from course.setup import doctor

    report = doctor.run()
    _print_json(report.to_dict()) if args.json else print(report)
    return 0 if report.ready else 1


def cmd_images(args: argparse.Namespace) -> int:
    from checker import compose
    from checker.docker_client import get_client
    from course import images

    client = get_client(timeout=600)
    if args.import_file:
        loaded = images.import_bundle(client, Path(args.import_file))
        print(_("Loaded {count} image(s): {names}").format(count=len(loaded), names=", ".join(loaded)))
    else:
        images.provision(client, offline=args.offline)
    compose.ensure_plugin()
    if args.export_file:
        path = images.export_bundle(client, Path(args.export_file))
        print(
            _("Wrote {path} — hand it to your class: `{command}`").format(
                path=path, command=f"python -m course images --import {path.name}"
            )
        )
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    from course.setup import lab

    return lab.run(open_browser=not args.no_browser, port=args.port, lang=args.lang)


def cmd_list(args: argparse.Namespace) -> int:
    from checker.registry import default_registry

    rows = [e.summary() for e in default_registry().exercises]
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            title = str(row["title"])  # shown in the learner's language, listed in English by --json
            print(f"{row['chapter']:02d}  {row['id']:<28} {row['points']:>4g} pt  {_(title)}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from checker import api

    result = api.check(args.exercise)
    _print_json(result.to_dict()) if args.json else print(result)
    return result.exit_code


def cmd_hint(args: argparse.Namespace) -> int:
    from checker import api
    from course.notebook.messages import hint_text

    print(hint_text(api.hint(args.exercise)))
    return 0


def cmd_solve(args: argparse.Namespace) -> int:
    from checker import api

    ex = api.exercise(args.exercise)
    api.solve(ex.id)
    print(_("Applied the reference solution of {exercise}:").format(exercise=ex.id))
    for step in ex.solution:
        print("  " + step.cell_source.replace("\n", "\n  ").rstrip())
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    from checker import api
    from checker.registry import default_registry
    from course.notebook.messages import removed_text

    if not args.all and not args.exercise:
        raise CourseError(_("Nothing to reset."), _("name an exercise (`reset ID`) or pass `--all`"))
    targets = [e.id for e in default_registry().exercises] if args.all else [args.exercise]
    for exercise_id in targets:
        removed = api.reset(exercise_id)
        if args.exercise or any(vars(removed).values()):
            print(f"{exercise_id}: {removed_text(removed)}")
    return 0


def cmd_progress(args: argparse.Namespace) -> int:
    from checker.registry import default_registry
    from course.notebook import progress_view

    state = progress_view.compute(default_registry())
    _print_json(state.to_dict()) if args.json else print(state)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    import os

    from checker import settings
    from checker.registry import default_registry
    from course import verify

    os.environ[settings.NO_PROGRESS.name] = "1"  # verify's checks and kernels never move a learner's progress
    if args.mutations:
        return _verify_mutations(args)
    if args.sandbox:
        from course.verify_sandbox import verify_in_sandboxes

        return verify_in_sandboxes(default_registry(), args.chapter, as_json=args.json)
    started = time.monotonic()
    printer = None if args.json else print
    reports = verify.verify(default_registry(), chapter=args.chapter, workdir=settings.workdir(), on_report=printer)
    # The course's own CI: every notebook also runs headless with the reference solutions in its answer cells
    # (in the language asked for: `--lang ko` runs the Korean notebooks).
    notebooks = verify.verify_notebooks(
        default_registry(), chapter=args.chapter, on_report=printer, lang=i18n.language()
    )
    ok = bool(reports) and all(r.ok for r in reports) and all(n.ok for n in notebooks)
    if args.json:
        _print_json(
            {
                "ok": ok,
                "exercises": [r.to_dict() for r in reports],
                "notebooks": [n.to_dict() for n in notebooks],
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    else:
        failed = sum(not r.ok for r in reports)
        failed_notebooks = sum(not n.ok for n in notebooks)
        print(
            f"Headless with the reference solutions: {len(notebooks) - failed_notebooks} notebook(s) pass, "
            f"{failed_notebooks} fail."
        )
        print(f"{len(reports) - failed} passed, {failed} failed in {time.monotonic() - started:.0f} s")
    if not reports:
        print(f"No exercises in chapter {args.chapter}.", file=sys.stderr)
    return 0 if ok else 1


def _verify_mutations(args: argparse.Namespace) -> int:
    from checker import settings
    from checker.registry import default_registry
    from course import mutations

    started = time.monotonic()
    reports = mutations.run_all(
        default_registry(), chapter=args.chapter, workdir=settings.workdir(), on_report=None if args.json else print
    )
    ok = bool(reports) and all(r.ok for r in reports)
    if args.json:
        _print_json({"ok": ok, "mutations": [r.to_dict() for r in reports]})
    else:
        survivors = sum(len(r.survivors) for r in reports)
        print(
            f"{sum(r.tried for r in reports)} mutant(s) of {len(reports)} solution(s): {survivors} survive, "
            f"{sum(len(r.equivalent) for r in reports)} recorded as equivalent, in {time.monotonic() - started:.0f} s"
        )
    return 0 if ok else 1


def cmd_grade(args: argparse.Namespace) -> int:
    from course.grading.options import GradeOptions
    from course.grading.run import run_grading

    if args.self_grade:
        from course.grading import classroom

        classroom.require_ci(args.outside_ci)
        if args.jobs != 1:
            raise CourseError(
                _("`--self` grades one notebook at a time, on the runner's own daemon."), _("drop --jobs")
            )
    elif args.outside_ci:
        raise CourseError(_("--outside-ci only goes with --self."), _("add --self, or drop --outside-ci"))
    trusted = args.trusted or args.self_grade  # on a CI runner the VM is the sandbox
    options = GradeOptions(out=Path(args.out), timeout=args.timeout, jobs=args.jobs, trusted=trusted)
    run = run_grading([Path(p) for p in args.submissions], options)
    if args.self_grade:
        result = classroom.autograding_result(run.grades)
        classroom.publish(result, options.out)
        print(f"{classroom.points_line(result)} ({options.out / 'autograding.json'})")
    print(
        _(
            "Graded {count} submission(s) in {seconds} s with {workers} worker(s): {csv}, {json} and one feedback "
            "page per learner."
        ).format(
            count=len(run.grades),
            seconds=f"{run.seconds:.0f}",
            workers=run.workers,
            csv=options.out / "gradebook.csv",
            json=options.out / "gradebook.json",
        )
    )
    if run.failed:
        failed = ", ".join(g.learner for g in run.grades if g.grading_failed) or _("the run")
        print(
            "✘ " + _("Grading itself failed for: {learners}; see the notes in gradebook.json.").format(learners=failed),
            file=sys.stderr,
        )
        return 2
    return 0


def cmd_kinds(args: argparse.Namespace) -> int:
    from checker.kinds import reference

    text = reference.render_markdown() if args.markdown else reference.render_text()
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m course",
        description=_("An interactive Docker course, checked against a real Docker daemon."),
        parents=[cli_language.option(None)],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    per_command = cli_language.option(argparse.SUPPRESS)

    def add(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text, parents=[per_command])
        p.set_defaults(handler=handler)
        return p

    p = add(
        "doctor",
        cmd_doctor,
        _("Is this machine ready? Checks the daemon, Compose v2, base images, disk and ports."),
    )
    p.add_argument("--json", action="store_true")
    p = add("images", cmd_images, _("Provision the base images (pull, or build local stand-ins offline)."))
    p.add_argument("--offline", action="store_true", help=_("do not try to pull; build stand-ins for what is missing"))
    p.add_argument("--export", dest="export_file", metavar="FILE", help=_("write all base images to one tar bundle"))
    p.add_argument("--import", dest="import_file", metavar="FILE", help=_("load base images from a bundle"))
    p = add(
        "lab",
        cmd_lab,
        _("Check the set-up, provision images, then open JupyterLab on the course (`--lang ko`: in Korean)."),
    )
    p.add_argument("--no-browser", action="store_true")
    p.add_argument("--port", type=int, default=8888)
    p = add("list", cmd_list, _("List the exercises."))
    p.add_argument("--json", action="store_true")
    p = add("check", cmd_check, _("Check an exercise (exit 0 pass, 1 fail, 2 could not check)."))
    p.add_argument("exercise")
    p.add_argument("--json", action="store_true")
    p = add("hint", cmd_hint, _("Show the next hint for an exercise."))
    p.add_argument("exercise")
    p = add("solve", cmd_solve, _("Apply an exercise's reference solution."))
    p.add_argument("exercise")
    p = add("reset", cmd_reset, _("Remove what an exercise created (only what it owns)."))
    p.add_argument("exercise", nargs="?")
    p.add_argument("--all", action="store_true")
    p = add("progress", cmd_progress, _("Show your progress per chapter."))
    p.add_argument("--json", action="store_true")
    p = add("kinds", cmd_kinds, _("List the check kinds an exercise can use, with their parameters."))
    p.add_argument("--markdown", action="store_true", help=_("as the Markdown of docs/kinds.md"))
    p = add(
        "verify",
        cmd_verify,
        _("Check the course itself: starters fail, solutions pass, wrong answers fail (`--lang ko`: in Korean)."),
    )
    p.add_argument("--chapter", type=int)
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--sandbox",
        action="store_true",
        help=_(
            "each chapter in a fresh sandbox (rootless daemon, unprivileged kernel), as workshops and grading run it"
        ),
    )
    p.add_argument(
        "--mutations",
        action="store_true",
        help=_("instead: one-change mutants of each reference solution must fail, or be recorded as equivalent"),
    )
    p = add(
        "grade",
        cmd_grade,
        _("Grade submitted notebooks headless; write a gradebook (CSV, JSON) and feedback pages."),
    )
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb")
    p.add_argument(
        "--out", required=True, metavar="DIR", help=_("where gradebook.csv, gradebook.json and LEARNER.html go")
    )
    p.add_argument(
        "--timeout", type=float, default=120.0, metavar="S", help=_("seconds one cell may run (default 120)")
    )
    p.add_argument(
        "--jobs",
        type=int,
        default=1,
        metavar="N",
        help=_("submissions graded at once, each in its own sandbox (default 1)"),
    )
    p.add_argument(
        "--trusted",
        action="store_true",
        help=_(
            "no sandboxes: run the notebooks as you, on the main daemon (with --jobs N, root worker daemons); "
            "only for notebooks you trust, never for submissions"
        ),
    )
    p.add_argument(
        "--self",
        dest="self_grade",
        action="store_true",
        help=_(
            "grade this checkout's notebooks on a CI runner (GitHub Classroom): no sandbox, since the runner's VM "
            "is one; writes the points for Classroom's autograding reporter"
        ),
    )
    p.add_argument("--outside-ci", action="store_true", help=_("with --self: run even though this is not a CI runner"))
    from course.workshop.cli import add_parser as add_workshop

    add_workshop(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    asked = cli_language.asked(argv)
    # Pinned in COURSE_LANG for every process this one starts (kernels, graders, sandboxes), whose progress
    # file, and so whose remembered language, may not be the learner's.
    i18n.use(asked if asked in i18n.LANGUAGES else i18n.language())
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except CourseError as exc:
        print(f"✘ {exc.problem}", file=sys.stderr)
        if exc.fix:
            print(f"  → {exc.fix}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("Interrupted."), file=sys.stderr)
        return 130
    except BrokenPipeError:  # `course progress | head`: the reader left, nothing is wrong
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - a learner sees a message; COURSE_DEBUG=1 shows the traceback
        from checker import settings
        from checker.errors import explain

        if settings.DEBUG.is_set():
            raise
        error = explain(exc)
        print(f"✘ {error.problem}", file=sys.stderr)
        if error.fix:
            print(f"  → {error.fix}", file=sys.stderr)
        return 2
