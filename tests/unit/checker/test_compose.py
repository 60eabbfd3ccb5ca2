"""Compose v1 is detected and refused; the bundled v2 binary is found."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from checker import compose


def test_bundled_v2_binary_is_installed() -> None:
    binary = compose.bundled_binary()
    assert binary is not None and os.access(binary, os.X_OK)


def test_v1_on_path_is_reported_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_v1 = tmp_path / "docker-compose"
    fake_v1.write_text("#!/usr/bin/python3\nprint('docker-compose version 1.29.2, build unknown')\n")
    fake_v1.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    info = compose.detect()
    assert info.v1_on_path == str(fake_v1)
    assert info.v2_command is not None and info.v2_command != [str(fake_v1)]
    assert info.version and info.version.startswith("2")


def test_a_v2_binary_on_path_is_not_mistaken_for_v1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = compose.bundled_binary()
    assert binary is not None
    (tmp_path / "docker-compose").symlink_to(binary)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert compose.detect().v1_on_path is None
