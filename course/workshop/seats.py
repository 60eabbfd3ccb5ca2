"""A learner's seat: their sandbox, its link to the hub and their copy of the notebooks, made on first login
and found again on every later one (after a cull, a hub restart or a new login).

A seat lives until `workshop down`: the Unix user, the home (their notebooks,
workspace and progress), the rootless daemon with its containers and images,
and the link. Only the learner's Jupyter server comes and goes with the hub's
spawns. The sandboxes are owned by the workshop's supervisor process, so the
reaper removes them only if that process is gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from checker import settings
from checker.i18n import _
from course.sandbox import Sandbox, bundles, daemon, pin, runtime
from course.sandbox.kernel import link_compose, user_folder
from course.sandbox.model import Limits, SandboxState
from course.sandbox.shell import SandboxError
from course.workshop import network, state
from course.workshop.state import Learner, Workshop

log = logging.getLogger("course.workshop")
FIRST_IMAGES = ("busybox:1.35",)
# JupyterLab settings every learner starts with: no news or update checks (workshop rooms often have poor
# internet), and every cell kept in the page (notebooks here are short).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}  # loaded before the server starts: chapter 0 needs nothing else
_LOADING: dict[str, threading.Thread] = {}


class SeatsFull(SandboxError):
    pass


@contextlib.contextmanager
def _seats_lock() -> Iterator[None]:
    """One seat is made at a time per index choice; the sandbox itself is made outside this lock."""
    state.folder().mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(state.folder() / ".seats.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _claim(ws: Workshop, name: str) -> tuple[Learner | None, int]:
    """The learner's existing seat, else a warm one (renamed to them), else a free index for a new one
    (SeatsFull when all are taken). Called under the seats lock."""
    seats = state.all_seats()
    mine = next((one for one in seats if one.name == name), None)
    if mine is not None:
        return mine, mine.index
    if len(state.learners()) >= ws.seats:
        raise SeatsFull(
            _("All {seats} seats of this workshop are taken.").format(seats=ws.seats),
            _("ask the instructor to add seats (`python -m course workshop up --seats N` after `down`)"),
        )
    warm = next((one for one in state.warm_seats() if one.home), None)  # home is set once it is ready
    if warm is not None:
        warm.forget()
        warm.name, warm.created = name, time.time()
        warm.save()
        return warm, warm.index
    return None, _free_index(seats)


def _free_index(seats: list[Learner]) -> int:
    used = {one.index for one in seats}
    return next(i for i in range(len(used) + 1) if i not in used)


def prepare(ws: Workshop, name: str, rt: runtime.Runtime, supervisor: int) -> tuple[Learner, Sandbox, str]:
    """The learner's seat, ready for their server: (learner, sandbox, the address their server listens on)."""
    with _seats_lock():
        learner, index = _claim(ws, name)
        if learner is None:  # reserve the index before the slow part, so a second login cannot take it
            learner = Learner(name=name, sandbox="", index=index, home="", created=time.time())
            learner.save()
    sandbox = _find(learner)
    made = sandbox is None
    if sandbox is None:
        try:
            sandbox = _make(ws, rt, supervisor)
        except BaseException:
            learner.forget()
            raise
        learner.sandbox, learner.home = sandbox.name, str(sandbox.home)
        learner.save()
    else:
        _revive(sandbox)
    address = network.attach(ws, sandbox.state, learner.index)
    link_compose(sandbox, rt)
    copy_notebooks(sandbox)
    write_lab_settings(sandbox, ws.lang)
    if made:
        _load_rest_later(sandbox, ws)
    return learner, sandbox, address


def keep_warm(ws: Workshop, rt: runtime.Runtime, supervisor: int) -> bool:
    """Make one seat ahead of any login if fewer than `ws.warm` are waiting and seats are left; True if it
    made one. A login then takes a ready seat, its daemon up and its images loaded, instead of waiting for
    one: what makes a whole room logging in at once fast."""
    with _seats_lock():
        seats = state.all_seats()
        waiting = len(state.warm_seats())
        if waiting >= ws.warm or len(seats) >= ws.seats:
            return False
        index = _free_index(seats)
        seat = Learner(name=f"{state.WARM_PREFIX}{index}", sandbox="", index=index, home="", created=time.time())
        seat.save()
    try:
        sandbox = _make(ws, rt, supervisor)
        seat.sandbox = sandbox.name
        seat.save()
        network.attach(ws, sandbox.state, index)
        link_compose(sandbox, rt)
        copy_notebooks(sandbox)
        write_lab_settings(sandbox, ws.lang)
        if ws.extra.get("bundle"):
            sandbox.load_images(Path(ws.extra["bundle"]))
    except BaseException:
        release(seat)
        raise
    with _seats_lock():
        if any(one.name == seat.name for one in state.warm_seats()):
            seat.home = str(sandbox.home)  # ready: a login may take it now
            seat.save()
    return True


def _find(learner: Learner) -> Sandbox | None:
    if not learner.sandbox:
        return None
    found = SandboxState.load(SandboxState(name=learner.sandbox, owner_pid=0, owner_start=None).state_file)
    return Sandbox(found) if found is not None else None


def _make(ws: Workshop, rt: runtime.Runtime, supervisor: int) -> Sandbox:
    limits = Limits(**ws.extra.get("limits", {}))
    first = bundles.bundle(_root_client(), list(FIRST_IMAGES))
    return Sandbox.create(
        limits=limits, bundle=first, watch=False, owner=supervisor, shared=[rt.code.parent], log=log.info
    )


def _revive(sandbox: Sandbox) -> None:
    """Start the daemon again if it stopped (the learner may kill their own): containers and images stay."""
    if sandbox.alive():
        return
    log.info("restarting the daemon of %s", sandbox.name)
    daemon.stop(sandbox.state, None)
    pin.release(sandbox.state)
    sandbox.process = daemon.start(sandbox.state)
    pin.pin(sandbox.state)


def _load_rest_later(sandbox: Sandbox, ws: Workshop) -> None:
    """Every other base image, loaded while the learner reads the first notebook (a few seconds)."""
    if sandbox.name in _LOADING and _LOADING[sandbox.name].is_alive():
        return

    def load() -> None:
        import docker.errors

        try:
            sandbox.load_images(Path(ws.extra["bundle"]))
        except (
            SandboxError,
            OSError,
            docker.errors.DockerException,
        ) as exc:  # the learner's server runs on; their checks name a missing image
            log.warning("loading the base images into %s failed: %s", sandbox.name, exc)

    if ws.extra.get("bundle"):
        _LOADING[sandbox.name] = threading.Thread(target=load, name=f"images-{sandbox.name}", daemon=True)
        _LOADING[sandbox.name].start()


LAB_LOCALES = {"ko": "ko_KR"}  # JupyterLab's own menus, from its language pack


def write_lab_settings(sandbox: Sandbox, lang: str = "en") -> None:
    """LAB_SETTINGS (and JupyterLab's language), where the learner has none of their own yet."""
    wanted = dict(LAB_SETTINGS)
    if lang in LAB_LOCALES:
        wanted["@jupyterlab/translation-extension/plugin.jupyterlab-settings"] = {"locale": LAB_LOCALES[lang]}
    for name, values in wanted.items():
        relative = Path(".jupyter/lab/user-settings") / name
        folder = user_folder(sandbox, str(relative.parent), 0o755)
        path = folder / relative.name
        if not path.exists() and not path.is_symlink():
            path.write_text(json.dumps(values), encoding="utf-8")
            os.chown(path, sandbox.state.uid, sandbox.state.gid)


def copy_notebooks(sandbox: Sandbox) -> None:
    """The course's notebooks into the learner's folder, those they do not have yet: their edits stay."""
    target = user_folder(sandbox, state.COURSE_FOLDER, 0o755)
    user_folder(sandbox, f"{state.COURSE_FOLDER}/{settings.WORKSPACE}", 0o755)
    for notebook in sorted(settings.NOTEBOOKS_DIR.glob("*.ipynb")):
        copy = target / notebook.name
        if not copy.exists() and not copy.is_symlink():
            shutil.copyfile(notebook, copy)
            os.chown(copy, sandbox.state.uid, sandbox.state.gid)


def release(learner: Learner) -> list[str]:
    """Remove a learner's seat (at `down`): their sandbox and link. Returns what was left."""
    sandbox = _find(learner)
    left: list[str] = []
    if sandbox is not None:
        network.detach(sandbox.state)
        try:
            sandbox.destroy()
        except SandboxError as exc:
            left.append(str(exc))
    learner.forget()
    return left


def _root_client():
    import docker

    return docker.from_env(timeout=120)
