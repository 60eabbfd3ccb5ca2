"""The dashboard service: a tornado app that JupyterHub runs, proxies and signs users into (OAuth).

Who gets in: JupyterHub grants this service's `access:services` scope to its
admins only (learners do not have it), and check_hub_user also turns away
anyone whose hub model is not an admin, so a role given by mistake to a learner
still shows them nothing but 403. Everything here is a GET: the pages, the live
part the page polls (`live`), the JSON view (`api/class`) and the downloads.

The view is rebuilt at most once a second however many tabs poll, in a worker
thread, so a slow disk or a learner's huge progress file never stalls the hub's
proxying of this service.
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from typing import Any, Callable

from jupyterhub.services.auth import HubOAuth, HubOAuthCallbackHandler, HubOAuthenticated, UserNotAllowed
from tornado import web

from checker.i18n import _
from course.workshop.dashboard import page
from course.workshop.report import ClassView

CSV_BOM = "\ufeff"  # spreadsheets then read the UTF-8 (Korean names and titles) as UTF-8


def forbidden_text() -> str:
    return _("This dashboard is for the workshop's instructor. Log in to the hub with the instructor's account.")


class ViewSource:
    """The class view, rebuilt at most every `max_age` seconds, off the event loop."""

    def __init__(self, collect: Callable[[], ClassView], max_age: float = 1.0) -> None:
        self._collect = collect
        self._max_age = max_age
        self._view: ClassView | None = None
        self._at = 0.0
        self._pending: asyncio.Future[ClassView] | None = None

    async def get(self) -> ClassView:
        if self._view is not None and time.monotonic() - self._at < self._max_age:
            return self._view
        if self._pending is None:  # one rebuild at a time: other requests wait for it
            self._pending = asyncio.ensure_future(asyncio.get_running_loop().run_in_executor(None, self._collect))
        pending = self._pending
        try:
            self._view = await pending
            self._at = time.monotonic()
        finally:
            if self._pending is pending:
                self._pending = None
        return self._view


class AdminHandler(HubOAuthenticated, web.RequestHandler):
    """Hub-authenticated, admins only, with headers that keep a learner's text inert even if escaping failed."""

    nonce = ""

    def initialize(self) -> None:
        self.hub_auth = self.settings["hub_auth"]

    async def prepare(self) -> None:
        # Ask the hub without blocking the loop; get_current_user then finds the answer cached on this handler.
        await self.hub_auth.get_user(self, sync=False)

    def check_hub_user(self, model: dict[str, Any]) -> dict[str, Any]:
        model = super().check_hub_user(model)  # the scope check: a learner lacks access:services
        if not model or model.get("admin") is not True:
            raise UserNotAllowed(model)
        return model

    def set_default_headers(self) -> None:
        # tornado calls this before initialize(), and again when it clears the response for an error page
        self.nonce = nonce = secrets.token_urlsafe(18)
        self.set_header(
            "Content-Security-Policy",
            f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; connect-src 'self';"
            " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
        )
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-cache, private")

    def write_error(self, status_code: int, **_kwargs: Any) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: {forbidden_text() if status_code == 403 else self._reason}\n")

    async def view(self) -> ClassView:
        return await self.settings["views"].get()

    @property
    def prefix(self) -> str:
        return self.settings["prefix"]


class PageHandler(AdminHandler):
    @web.authenticated
    async def get(self) -> None:
        view = await self.view()
        # the hub's XSRF token: the page's script sends it back, as the hub wants for a cookie-authenticated fetch
        token = self.xsrf_token.decode() if isinstance(self.xsrf_token, bytes) else str(self.xsrf_token)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(page.page(view, self.prefix, self.nonce, token, lang=self.settings.get("lang", "en")))


class LiveHandler(AdminHandler):
    """The part of the page that changes, as HTML; the header tells the page's script it got this and not a login."""

    @web.authenticated
    async def get(self) -> None:
        view = await self.view()
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("X-Dashboard-Part", "live")
        self.finish(page.live(view))


class ClassHandler(AdminHandler):
    @web.authenticated
    async def get(self) -> None:
        view = await self.view()
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(view.to_json())


class ExportHandler(AdminHandler):
    @web.authenticated
    async def get(self, kind: str) -> None:
        view = await self.view()
        stamp = view.generated[:16].replace("-", "").replace(":", "").replace("T", "-")
        self.set_header("Content-Disposition", f'attachment; filename="workshop-{stamp}.{kind}"')
        if kind == "csv":
            self.set_header("Content-Type", "text/csv; charset=utf-8")
            self.finish(CSV_BOM + view.to_csv())
        else:
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.finish(view.to_json())


class CallbackHandler(HubOAuthCallbackHandler):
    """JupyterHub's end of the OAuth dance, with this app's HubOAuth."""

    def initialize(self) -> None:
        self.hub_auth = self.settings["hub_auth"]


def make_app(
    prefix: str,
    collect: Callable[[], ClassView],
    *,
    hub_auth: HubOAuth | None = None,
    cookie_secret: bytes | None = None,
    lang: str = "en",
    max_age: float = 1.0,
) -> web.Application:
    """The dashboard under `prefix` (JUPYTERHUB_SERVICE_PREFIX, e.g. /services/dashboard/).

    The cookie secret signs the OAuth cookie: a fresh one per process is enough, since after a restart the
    instructor's browser goes through the hub's OAuth again without a prompt (the hub config sets
    oauth_no_confirm)."""
    prefix = prefix if prefix.endswith("/") else prefix + "/"
    at = re.escape(prefix)  # tornado's routes are patterns
    routes: list[Any] = [
        (at, PageHandler),
        (at + "live", LiveHandler),
        (at + "api/class", ClassHandler),
        (at + r"export\.(csv|json)", ExportHandler),
        (at + "oauth_callback", CallbackHandler),
    ]
    if prefix != "/":
        routes.append((re.escape(prefix.rstrip("/")), web.RedirectHandler, {"url": prefix}))
    return web.Application(
        routes,
        prefix=prefix,
        hub_auth=hub_auth or HubOAuth(cache_max_age=60),
        views=ViewSource(collect, max_age),
        cookie_secret=cookie_secret or secrets.token_bytes(32),
        lang=lang,
    )
