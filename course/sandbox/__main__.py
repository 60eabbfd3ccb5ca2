"""`python -m course.sandbox check|install|list|clean [--all]`: the sandbox host commands, for root."""

from __future__ import annotations

import argparse
import sys
import time

from course.sandbox import host, reaper, watchdog
from course.sandbox.model import all_states
from course.sandbox.sandbox import Sandbox
from course.sandbox.shell import SandboxError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course.sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("check", help="say what this machine lacks to run sandboxes, and how to fix it")
    sub.add_parser("install", help="install rootlesskit, slirp4netns and uidmap when missing (root, apt-get)")
    sub.add_parser("list", help="list the sandboxes on this machine and whether their owner still runs")
    clean = sub.add_parser("clean", help="remove sandboxes whose owner process is gone, and orphaned marks")
    clean.add_argument("--all", action="store_true", help="remove every sandbox, including ones still in use")
    watch = sub.add_parser("watch", help=argparse.SUPPRESS)  # the watchdog process of one sandbox (internal)
    watch.add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            found = host.problems()
            for problem in found:
                print(f"✘ {problem}")
            print("✔ sandboxes can run here" if not found else f"{len(found)} problem(s)")
            return 1 if found else 0
        if args.command == "watch":
            return watchdog.watch(args.name, lambda state: Sandbox(state).destroy())
        if args.command == "install":
            host.ensure_installed()
            print("✔ sandboxes can run here")
        elif args.command == "list":
            for state in all_states():
                owner = "running" if state.owner_alive() else "gone"
                age = time.time() - state.created
                print(f"{state.name}  uid {state.uid}  owner {state.owner_pid} ({owner})  {age:.0f} s old")
            orphans = reaper.marked_names() - {state.name for state in all_states()}
            for name in sorted(orphans):
                print(f"{name}  (marks without a state file)")
        elif args.command == "clean":
            removed = reaper.clean_up_leftovers(everything=args.all, log=print)
            print(f"✔ removed {len(removed)} sandbox(es)")
    except SandboxError as exc:
        print(f"✘ {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
