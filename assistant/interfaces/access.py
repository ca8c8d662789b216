"""One access policy in front of every route (FastAPI's and the mounted Gradio apps'): credentials, same-origin
writes and bounded request bodies.

It is an ASGI middleware rather than per-route dependencies because Gradio registers its own routes (queue, upload,
config, file serving); a check on our routes alone left the Gradio API and uploads open (issue 29).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from assistant.config import Settings

log = logging.getLogger("newsdesk.access")

SESSION_COOKIE = "newsdesk_session"
PUBLIC_PATHS = frozenset({"/login", "/widget/login", "/logout", "/gradio.js"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
UPLOAD_PATH = re.compile(r"^(/widget)?/gradio_api/upload$|^/api/ingest$")
MULTIPART_SLACK = 1_000_000  # form boundaries and headers around the files
JSON_BODY_LIMIT = 8_000_000  # a question with its whole conversation stays far below this
LOOPBACK = ("127.", "localhost", "::1")


def listens_beyond_loopback(host: str) -> bool:
    return not host.startswith(LOOPBACK)


def anonymous_ingest_closed(settings: Settings) -> bool:
    """Adding articles needs credentials when none are configured and the app listens beyond this machine: an open
    upload on a LAN lets anyone rewrite what the assistant quotes."""
    configured = bool(settings.api_token or (settings.ui_user and settings.ui_password))
    mode = settings.anonymous_ingest
    return not configured and (mode == "off" or (mode == "auto" and listens_beyond_loopback(settings.host)))


@dataclass
class LoginThrottle:
    """At most `limit` wrong logins per client address a minute; bounded memory however many addresses try."""

    limit: int
    window: float = 60.0
    failures: dict[str, deque] = field(default_factory=dict)

    def blocked_for(self, client: str) -> float:
        recent = self._recent(client)
        return self.window - (time.monotonic() - recent[0]) if len(recent) >= self.limit else 0.0

    def failed(self, client: str) -> None:
        if len(self.failures) > 10_000:
            self.failures.clear()
        self._recent(client).append(time.monotonic())

    def _recent(self, client: str) -> deque:
        recent = self.failures.setdefault(client, deque())
        while recent and time.monotonic() - recent[0] > self.window:
            recent.popleft()
        return recent


class Credentials:
    """What counts as signed in: the API token (Bearer), the UI login (form or Basic) or a session cookie from it."""

    def __init__(self, settings: Settings):
        self.token = settings.api_token
        self.user, self.password = settings.ui_user, settings.ui_password
        self.session_seconds = int(settings.session_hours * 3600)
        self._secret = secrets.token_bytes(32)  # sessions end with the process: a restart signs everyone out
        self.throttle = LoginThrottle(settings.login_attempts_per_minute)

    @property
    def required(self) -> bool:
        return bool(self.token or (self.user and self.password))

    def login_ok(self, user: str, password: str) -> bool:
        """The UI login, or the API token typed as the password (the only way in when no login is set)."""
        by_login = bool(self.user and self.password) and _same(user, self.user) & _same(password, self.password)
        return by_login or (bool(self.token) and _same(password, self.token))

    def new_session(self) -> str:
        expires = str(int(time.time()) + self.session_seconds)
        return f"{expires}.{self._sign(expires)}"

    def session_ok(self, value: str) -> bool:
        expires, _, signature = value.partition(".")
        return expires.isdigit() and int(expires) > time.time() and _same(signature, self._sign(expires))

    def header_ok(self, header: str) -> bool | None:
        """True/False for a Bearer or Basic header; None when none was sent."""
        kind, _, value = header.partition(" ")
        if kind.lower() == "bearer":
            return bool(self.token) and _same(value.strip(), self.token)
        if kind.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except ValueError:
                return False
            return self.login_ok(user, password)
        return None

    def _sign(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def session_cookie(value: str, https: bool, max_age: int) -> str:
    """Lax on plain http (a same-site intranet frame keeps it; a Secure cookie is never stored over http); None +
    Secure on https, so a frame on another site keeps the login. Writes stay safe either way: the Origin check."""
    same_site = "None; Secure" if https else "Lax"
    return f"{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}"


class AccessPolicy:
    """The ASGI middleware: decides before any route runs, and caps the body while it streams."""

    def __init__(self, app, settings: Settings, credentials: Credentials):
        self.app = app
        self.credentials = credentials
        self.allowed_origins = {o.rstrip("/").lower() for o in settings.embed_origins}
        self.upload_limit = settings.max_upload_bytes + MULTIPART_SLACK
        self.ingest_closed = anonymous_ingest_closed(settings)
        self._logged: set[str] = set()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self.refuse(scope, headers)
        if refusal is not None:
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 4401})
            return await refusal.send(send)
        if scope["type"] == "http" and scope["method"] in UNSAFE_METHODS:
            limit = self.upload_limit if UPLOAD_PATH.match(scope["path"]) else JSON_BODY_LIMIT
            return await _BoundedBody(self.app, limit).run(scope, receive, send, headers)
        return await self.app(scope, receive, send)

    def refuse(self, scope, headers: dict[str, str]) -> Refusal | None:
        path, method = scope["path"], scope.get("method", "GET")
        self._log_refused_embedding(headers)
        if method in UNSAFE_METHODS and not self.same_origin_or_allowed(headers):
            origin = headers.get("origin") or headers.get("sec-fetch-site", "another site")
            return Refusal.json(
                403,
                f"writes from {origin} are refused: only this app's own pages and NEWSDESK_EMBED_ORIGINS may send them",
            )
        if path in PUBLIC_PATHS or method == "OPTIONS":  # a CORS preflight carries no credentials and reads nothing
            return None
        if self.credentials.required:
            client = (scope.get("client") or ("?",))[0]
            basic = headers.get("authorization", "").lower().startswith("basic ")
            wait = self.credentials.throttle.blocked_for(client) if basic else 0.0
            if wait:  # Basic is a login too: guessing it is throttled like the form
                return Refusal.json(429, f"too many wrong logins: try again in {wait:.0f} s")
            if not self.signed_in(headers):
                if basic:
                    self.credentials.throttle.failed(client)
                return self.sign_in_first(scope, headers)
        if self.ingest_closed and UPLOAD_PATH.match(path):
            return Refusal.json(
                403,
                "adding articles is off for anonymous users while the app listens beyond this machine: set"
                " NEWSDESK_API_TOKEN or NEWSDESK_UI_USER/NEWSDESK_UI_PASSWORD (or NEWSDESK_ANONYMOUS_INGEST=on)",
            )
        return None

    def same_origin_or_allowed(self, headers: dict[str, str]) -> bool:
        """Browsers send Origin on every POST, no-cors forms included; clients without one (curl, SDKs) are not a
        victim's browser, so only their credentials count."""
        origin = headers.get("origin", "").rstrip("/").lower()
        site = headers.get("sec-fetch-site", "")
        if not origin:
            return site not in ("cross-site", "same-site")
        if origin == "null":  # a form posted under Referrer-Policy: no-referrer (ours) says "null"; the browser's
            return site == "same-origin"  # own Sec-Fetch-Site still tells our page from a sandboxed foreign frame
        return urlsplit(origin).netloc == headers.get("host", "").lower() or origin in self.allowed_origins

    def signed_in(self, headers: dict[str, str]) -> bool:
        by_header = self.credentials.header_ok(headers.get("authorization", ""))
        if by_header is not None:
            return by_header
        cookie = _cookie(headers.get("cookie", ""), SESSION_COOKIE)
        return bool(cookie) and self.credentials.session_ok(cookie)

    def sign_in_first(self, scope, headers: dict[str, str]) -> Refusal:
        if scope.get("method") == "GET" and "text/html" in headers.get("accept", ""):
            target = scope["path"] + (f"?{scope['query_string'].decode()}" if scope.get("query_string") else "")
            return Refusal(303, b"", [(b"location", f"/login?next={quote(target)}".encode())])
        how = "send Authorization: Bearer <NEWSDESK_API_TOKEN>" if self.credentials.token else "log in at /login"
        return Refusal.json(401, f"sign in first: {how}", [(b"www-authenticate", b'Bearer realm="newsdesk"')])

    def _log_refused_embedding(self, headers: dict[str, str]) -> None:
        """A refused frame or web component is a blank box in the browser; the server log says why, once per origin."""
        site = headers.get("sec-fetch-site", "")
        if site not in ("cross-site", "same-site"):
            return
        origin = headers.get("origin") or _origin_of(headers.get("referer", "")) or "an unknown origin"
        if origin.rstrip("/").lower() in self.allowed_origins or origin in self._logged or len(self._logged) > 256:
            return
        self._logged.add(origin)
        log.warning(
            "newsdesk: refused embedding or cross-origin use from %s: add it to NEWSDESK_EMBED_ORIGINS"
            " (e.g. NEWSDESK_EMBED_ORIGINS='[\"%s\"]') and restart",
            origin,
            origin,
        )


@dataclass
class Refusal:
    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]]

    @classmethod
    def json(cls, status: int, detail: str, headers: list | None = None) -> Refusal:
        return cls(
            status, json.dumps({"detail": detail}).encode(), [(b"content-type", b"application/json")] + (headers or [])
        )

    async def send(self, send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": self.body})


class _BoundedBody:
    """Refuses a body over `limit` as it streams (413), before a multipart parser spools it to disk."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit
        self.received = 0
        self.exceeded = False

    async def run(self, scope, receive, send, headers: dict[str, str]) -> None:
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            return await self._too_large().send(send)

        async def bounded_receive():
            message = await receive()
            self.received += len(message.get("body", b""))
            if self.received > self.limit:
                self.exceeded = True
                return {"type": "http.disconnect"}
            return message

        started = False

        async def guarded_send(message) -> None:
            nonlocal started
            if self.exceeded and not started:
                started = True
                return await self._too_large().send(send)
            if not self.exceeded:
                started = True
                await send(message)

        await self.app(scope, bounded_receive, guarded_send)
        if self.exceeded and not started:
            await self._too_large().send(send)

    def _too_large(self) -> Refusal:
        return Refusal.json(
            413, f"the request is larger than {self.limit / 1e6:.0f} MB (uploads: NEWSDESK_MAX_UPLOAD_MB per request)"
        )


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
