"""`python -m course.workshop.dashboard`: JupyterHub starts this as its managed service `dashboard`.

The hub passes where to listen (JUPYTERHUB_SERVICE_URL), the path it is served
under (JUPYTERHUB_SERVICE_PREFIX), its API token and OAuth client; the hub config
adds COURSE_WORKSHOP_DIR, where course.workshop.state finds the learners.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from urllib.parse import urlparse

from tornado.log import enable_pretty_logging

from checker.registry import default_registry
from course.workshop import report, state
from course.workshop.dashboard.app import make_app

log = logging.getLogger("course.workshop.dashboard")


async def serve(url: str, prefix: str) -> None:
    where = urlparse(url)
    workshop = state.Workshop.load()
    app = make_app(prefix, report.collect, lang=workshop.lang if workshop else "en")
    app.listen(where.port or 80, where.hostname or "127.0.0.1", xheaders=True)
    log.info("dashboard on %s, served under %s, learners from %s", url, prefix, state.folder())
    await asyncio.Event().wait()  # until the hub stops the service (SIGTERM)


def main() -> int:
    enable_pretty_logging()
    url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    if not url:
        print("The dashboard is a JupyterHub service: `workshop up` starts it with the hub.", file=sys.stderr)
        return 2
    default_registry()  # a broken exercise file stops the service now, with its message, not at the first request
    asyncio.run(serve(url, os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/dashboard/")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
