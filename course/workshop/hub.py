"""The JupyterHub configuration of a workshop, made from its settings (course.workshop.state.Workshop).

`jupyterhub_config.py` next to this module is the file the hub is started with;
it only calls `configure`. Every port is set here: the hub's defaults collide
with ports the course's exercises use.
"""

from __future__ import annotations

import secrets
import sys
from typing import Any

from course.workshop import state
from course.workshop.state import Workshop

CLI_SERVICE = "workshop-cli"
CLI_SCOPES = ["list:users", "read:users", "read:servers", "read:users:activity", "delete:servers"]
CULLER_SCOPES = ["list:users", "read:users:activity", "read:servers", "delete:servers", "admin:users"]


def configure(c: Any, ws: Workshop) -> None:
    """Fill the hub's config object `c`."""
    folder = state.folder()
    hub = c.JupyterHub
    hub.ip, hub.port = "0.0.0.0", ws.port  # the attendees' URL
    hub.hub_ip, hub.hub_port = ws.hub_ip, ws.hub_port  # learner servers reach the API here (course.workshop.network)
    hub.db_url = f"sqlite:///{folder / 'jupyterhub.sqlite'}"
    hub.cookie_secret_file = str(folder / "cookie_secret")
    hub.pid_file = str(folder / "jupyterhub.pid")
    hub.cleanup_servers = True  # a stopped hub stops the learners' servers; their seats stay
    hub.spawner_class = "course.workshop.spawner.SeatSpawner"
    hub.authenticator_class = "shared-password"
    hub.default_url = _landing
    hub.concurrent_spawn_limit = 20
    hub.template_vars = {"announcement_login": "Docker workshop: log in with your name and the workshop code."}
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{ws.proxy_api_port}"
    c.ConfigurableHTTPProxy.command = ["configurable-http-proxy"]
    c.ConfigurableHTTPProxy.should_start = True

    auth = c.SharedPasswordAuthenticator
    auth.user_password = ws.code
    auth.admin_password = ws.admin_password
    c.Authenticator.admin_users = {ws.admin}
    c.Authenticator.allow_all = True  # anyone with the code; the seat limit is the spawner's
    c.Authenticator.username_pattern = state.NAME_PATTERN

    c.Spawner.start_timeout = 90
    c.Spawner.http_timeout = 60
    c.Spawner.env_keep = []

    python = sys.executable
    hub.services = [
        {
            "name": "idle-culler",
            "command": [python, "-m", "jupyterhub_idle_culler", f"--timeout={ws.cull_after}", "--cull-every=60"],
        },
        {
            "name": "dashboard",
            "url": f"http://127.0.0.1:{ws.dashboard_port}",
            "command": [python, "-m", "course.workshop.dashboard"],
            "environment": {"COURSE_WORKSHOP_DIR": str(folder), "COURSE_LANG": ws.lang},
            "oauth_no_confirm": True,
            "display": True,
        },
    ]
    hub.services.append({"name": CLI_SERVICE, "api_token": cli_token(create=True)})
    hub.load_roles = [
        {"name": "idle-culler", "scopes": CULLER_SCOPES, "services": ["idle-culler"]},
        {"name": CLI_SERVICE, "scopes": CLI_SCOPES, "services": [CLI_SERVICE]},
    ]


def cli_token(create: bool = False) -> str:
    """The API token of the instructor's commands (a root-only file): `workshop status` asks the hub who is
    connected with it; it may also stop a learner's server, as the idle culler does."""
    path = state.folder() / "api_token"
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def _landing(handler: Any) -> str:
    """Where a logged-in user lands: the instructor on the dashboard (an admin would otherwise spawn a server of
    their own), a learner in their JupyterLab."""
    user = handler.current_user
    if user is not None and user.admin:
        return "/services/dashboard/"
    return ""  # the hub's default: spawn the learner's server and open it
