"""One sign-in for the page, the widget and the APIs: /login sets the session cookie the access policy reads.

Ours rather than Gradio's `auth=`: Gradio's login is per mounted app (the page and the widget asked separately), its
cookie is `SameSite=None; Secure` (never stored over plain http, so an embedded login looped) and it guards only
Gradio's routes. gradio_client's `auth=(user, password)` still works: it posts the same form here.
"""

from __future__ import annotations

import html
from importlib.resources import files

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from assistant.interfaces.access import SESSION_COOKIE, Credentials, session_cookie


def safe_next(target: str) -> str:
    """Only a path on this server: `//evil` or `https://evil` would turn the login into an open redirect."""
    return target if target.startswith("/") and not target.startswith(("//", "/\\")) else "/"


def login_page(credentials: Credentials, target: str, message: str = "", status: int = 200) -> HTMLResponse:
    page = (files("assistant.interfaces") / "login.html").read_text(encoding="utf-8")
    with_login = bool(credentials.user and credentials.password)
    for key, value in {
        "{{NEXT}}": html.escape(safe_next(target), quote=True),
        "{{MESSAGE}}": html.escape(message),
        "{{USER_HIDDEN}}": "" if with_login else "hidden",
        "{{SECRET_LABEL}}": "Password" if with_login else "Access token",
    }.items():
        page = page.replace(key, value)
    return HTMLResponse(page, status)


def build_login_router(credentials: Credentials) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/login")
    @router.get("/widget/login")
    def show(next: str = "/") -> Response:  # noqa: A002 - the query parameter's name
        if not credentials.required:
            return RedirectResponse(safe_next(next), 303)
        return login_page(credentials, next)

    @router.post("/login")
    @router.post("/widget/login")
    def sign_in(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next: str = Form("/"),  # noqa: A002, B008
    ) -> Response:
        browser = "text/html" in request.headers.get("accept", "")
        client = request.client.host if request.client else "?"
        wait = credentials.throttle.blocked_for(client)
        if wait:
            return _answer(browser, credentials, next, 429, f"Too many wrong logins: try again in {wait:.0f} s.")
        if not credentials.login_ok(username, password):
            credentials.throttle.failed(client)
            return _answer(browser, credentials, next, 401, "Wrong name or password.")
        response = RedirectResponse(safe_next(next), 303) if browser else JSONResponse({"success": True})
        cookie = session_cookie(credentials.new_session(), request.url.scheme == "https", credentials.session_seconds)
        response.headers.append("set-cookie", cookie)
        return response

    @router.get("/logout")
    def sign_out() -> Response:
        response = RedirectResponse("/login", 303)
        response.headers.append("set-cookie", f"{SESSION_COOKIE}=; Path=/; HttpOnly; Max-Age=0")
        return response

    return router


def _answer(browser: bool, credentials: Credentials, target: str, status: int, message: str) -> Response:
    if browser:
        return login_page(credentials, target, message, status)
    return JSONResponse({"detail": message}, status)
