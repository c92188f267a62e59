"""Who may use the dashboard: a one-time token in the printed URL becomes a session cookie
(HttpOnly, SameSite=Strict); every state-changing request also carries the session's CSRF
token. Requests for another host name are refused (DNS rebinding)."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web
from yarl import URL

COOKIE = "colonies_dashboard"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
PUBLIC_PREFIXES = ("/static/",)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


@dataclass
class Session:
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))


class Sessions:
    """Pending one-time tokens and the sessions they were exchanged for."""

    def __init__(self) -> None:
        self._tokens: set[str] = set()
        self._sessions: dict[str, Session] = {}

    def new_token(self) -> str:
        """A token good for one exchange (``colonies dashboard`` prints the first)."""
        token = secrets.token_urlsafe(32)
        self._tokens.add(token)
        return token

    def exchange(self, token: str) -> str | None:
        """A new session id for a pending token (the token is spent), else None."""
        for pending in list(self._tokens):
            if hmac.compare_digest(pending, token):
                self._tokens.discard(pending)
                sid = secrets.token_urlsafe(32)
                self._sessions[sid] = Session()
                return sid
        return None

    def get(self, sid: str | None) -> Session | None:
        return self._sessions.get(sid) if sid else None


SESSIONS = web.AppKey("sessions", Sessions)


def session_of(request: web.Request) -> Session | None:
    """The caller's session (the middleware has let only callers with one through)."""
    return request.app[SESSIONS].get(request.cookies.get(COOKIE))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _local_host(request: web.Request) -> bool:
    try:
        host = URL(f"http://{request.host}").raw_host or ""
    except ValueError:
        return False
    return host in LOCAL_HOSTS


def _without_token(request: web.Request) -> str:
    query = request.rel_url.query.copy()
    query.popall("token", None)
    return str(request.rel_url.with_query(query))


def refusal(request: web.Request, message: str) -> web.Response:
    from colonies.dashboard.render import page

    return page(request, "refused.html", {"message": message}, status=403)


@web.middleware
async def require_session(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The session check, the token exchange and the CSRF check of every request."""
    if not _local_host(request):
        return web.Response(status=403, text="This dashboard answers on 127.0.0.1 only.\n")
    if request.path.startswith(PUBLIC_PREFIXES):
        return await handler(request)
    sessions = request.app[SESSIONS]
    session = sessions.get(request.cookies.get(COOKIE))
    token = request.rel_url.query.get("token")
    if token is not None and request.method == "GET":
        if session is not None:  # signed in already: the link only needs tidying
            raise web.HTTPSeeOther(_without_token(request))
        sid = sessions.exchange(token)
        if sid is None:
            return refusal(request, "This link was used already or is not valid.")
        response = web.HTTPSeeOther(_without_token(request))
        response.set_cookie(COOKIE, sid, httponly=True, samesite="Strict", path="/")
        raise response
    if session is None:
        return refusal(request, "Open the link with the token that `colonies dashboard` printed.")
    if request.method not in ("GET", "HEAD"):
        form = await request.post() if request.content_type.endswith("form-urlencoded") else {}
        sent = request.headers.get(CSRF_HEADER) or str(form.get(CSRF_FIELD, ""))
        if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            return refusal(request, "The form is stale or did not come from this dashboard.")
    return await handler(request)
