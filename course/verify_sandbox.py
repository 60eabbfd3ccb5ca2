"""`python -m course verify --sandbox`: the course checks itself inside sandboxes, one fresh sandbox per chapter.

What a workshop learner or a graded submission meets: a rootless daemon, its own network namespace, a kernel
that runs as an unprivileged user. For each chapter a sandbox is made with that chapter's base images (and a way
out if one of its exercises builds from a package archive); `python -m course verify --chapter N` then runs in
it as the grader's process does (course.grading.sandboxed.SandboxSlot): root in the daemon's netns, in a private
root, with DOCKER_HOST on the sandbox's daemon, the work folder in its home and DOCKER_CONFIG (Compose v2 as
`docker compose`) in a root-only scratch folder; the notebooks' kernels run as the sandbox's user. The sandbox is
destroyed after the chapter, whatever happened.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from checker import settings
from checker.registry import Registry

Log = Callable[[str], None]
WORK_FOLDER = "verify"  # in the sandbox's home


def verify_chapter(registry: Registry, chapter: int, *, as_json: bool, log: Log = print) -> tuple[int, Any]:
    """Run verify for one chapter in a fresh sandbox; (exit code, its JSON report or None)."""
    from checker.docker_client import get_client
    from course.grading.placement import SandboxPlacement
    from course.grading.sandboxed import SCRATCH_ROOT, SandboxSlot
    from course.sandbox import Sandbox, bundles, runtime

    exercises = registry.chapter(chapter)
    runtime_now = runtime.ensure()
    bundle = bundles.bundle(get_client(), bundles.chapter_images(chapter))
    SCRATCH_ROOT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="v", dir=SCRATCH_ROOT))
    try:
        with Sandbox.create(bundle=bundle, outside_network=any(e.outside_network for e in exercises)) as sandbox:
            slot = SandboxSlot(sandbox, runtime_now, scratch)
            workdir = SandboxPlacement(sandbox, runtime_now).work_root / WORK_FOLDER
            workdir.mkdir(exist_ok=True)
            env = {**slot.env(), settings.WORKDIR.name: str(workdir), settings.NO_PROGRESS.name: "1"}
            argv = [
                sys.executable,
                "-m",
                "course",
                "verify",
                "--chapter",
                str(chapter),
                *(["--json"] if as_json else []),
            ]
            if not as_json:
                log(f"— chapter {chapter} in sandbox {sandbox.name} (ready in {sandbox.timings.get('ready_s', 0):g} s)")
            proc = subprocess.run(
                slot.command(argv),
                env=env,
                cwd=scratch,
                stdout=subprocess.PIPE if as_json else None,
                text=True,
                stdin=subprocess.DEVNULL,
            )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report = None
    if as_json:
        try:
            report = json.loads(proc.stdout)
        except ValueError:
            report = {"ok": False, "error": proc.stdout[-2000:]}
        report["sandbox"] = sandbox.name  # to prove it is gone
    return proc.returncode, report


def verify_in_sandboxes(registry: Registry, chapter: int | None, *, as_json: bool, log: Log = print) -> int:
    """Every chapter (or one), each in its own sandbox; 0 when all pass, 1 when one fails."""
    from course.sandbox import clean_up_leftovers, host

    host.require()
    clean_up_leftovers()
    started = time.monotonic()
    chapters = [chapter] if chapter is not None else sorted({e.chapter for e in registry.exercises})
    codes: list[int] = []
    reports: dict[str, Any] = {}
    for number in chapters:
        code, report = verify_chapter(registry, number, as_json=as_json, log=log)
        codes.append(code)
        reports[str(number)] = report
    ok = all(code == 0 for code in codes)
    if as_json:
        sys.stdout.write(json.dumps({"ok": ok, "sandbox": True, "chapters": reports}, indent=1) + "\n")
    else:
        failed = [str(n) for n, code in zip(chapters, codes, strict=True) if code != 0]
        log(
            f"In sandboxes: {len(chapters) - len(failed)} chapter(s) pass"
            + (f", chapter(s) {', '.join(failed)} fail" if failed else "")
            + f", in {time.monotonic() - started:.0f} s."
        )
    return 0 if ok else 1
