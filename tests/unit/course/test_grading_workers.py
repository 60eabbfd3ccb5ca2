"""Which base images a grading worker loads: what the submissions, their exercises and the apps they copy name."""

from __future__ import annotations

from pathlib import Path

import nbformat

from checker import settings
from course.grading.workers import worker_images


def _names(paths: list[Path]) -> list[str]:
    return [image.name for image in worker_images(paths)]


def test_a_start_here_submission_needs_only_busybox() -> None:
    assert _names([settings.NOTEBOOKS_DIR / "00-start-here.ipynb"]) == ["busybox:1.35"]


def test_images_of_copied_apps_and_exercises_are_included() -> None:
    # Chapter 04 copies the compose app (FROM python:3.11-slim) and runs redis:7.0.
    assert _names([settings.NOTEBOOKS_DIR / "04-compose.ipynb"]) == ["busybox:1.35", "python:3.11-slim", "redis:7.0"]


def test_an_image_a_learner_chose_is_loaded_too(tmp_path: Path) -> None:
    nb = nbformat.read(str(settings.NOTEBOOKS_DIR / "00-start-here.ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("!docker run --rm debian:bookworm-slim cat /etc/os-release"))
    path = tmp_path / "alice.ipynb"
    nbformat.write(nb, str(path))
    assert _names([path]) == ["busybox:1.35", "debian:bookworm-slim"]


def test_an_unreadable_submission_adds_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    assert _names([broken]) == ["busybox:1.35"]  # the checks' probe image is always there
