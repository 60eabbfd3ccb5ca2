"""`python -m course lab`: doctor, then images, then JupyterLab on notebooks/ opening 00-start-here."""
from __future__ import annotations

import os
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
START = "00-start-here.ipynb"


def run(open_browser: bool = True, port: int = 8888) -> int:
    from checker.docker_client import get_client
    from checker import compose
    from course import doctor, images

    report = doctor.run()
    daemon = report.findings[0]
    if not daemon.ok:
        print(report)
        return 1
    if not report.ready:
        missing = [f for f in report.findings if not f.ok and f.name.startswith("image")]
        if missing:
            print("Provisioning the base images first…")
            images.provision(get_client(timeout=600))
        compose.ensure_plugin()
        report = doctor.run()
    print(report)
    if not report.ready:
        return 1
    (NOTEBOOKS / "workspace").mkdir(exist_ok=True)
    argv = [
        sys.executable, "-m", "jupyter", "lab",
        f"--notebook-dir={NOTEBOOKS}",
        f"--ServerApp.default_url=/lab/tree/{START}",
        f"--port={port}",
    ]
    if not open_browser:
        argv.append("--no-browser")
    if os.geteuid() == 0:
        argv.append("--allow-root")
    print(f"Starting JupyterLab on {NOTEBOOKS} — open {START} first.")
    os.chdir(NOTEBOOKS)
    os.execv(sys.executable, argv)
    return 0  # not reached
