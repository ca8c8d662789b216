"""One FastAPI server for everything a browser or client reaches: the JSON API, the embed demo and the Gradio apps.

Security headers live here because Gradio sets none: a CSP that keeps every image, script and connection on this
origin (a markdown image in an article cannot beacon out), framing only by configured origins, and CORS limited to
them (Gradio alone would reflect any Origin with credentials when the Host is not loopback; notes/gradio.md §1).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from importlib.resources import files

import gradio as gr
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from assistant.config import Settings
from assistant.interfaces.access import AccessPolicy, Credentials
from assistant.interfaces.api import build_router
from assistant.interfaces.api_docs import build_docs_router
from assistant.interfaces.login import build_login_router
from assistant.runtime import Runtime


def content_security_policy(settings: Settings) -> str:
    ancestors = " ".join(["'self'", *settings.embed_origins])
    return (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
        f"frame-ancestors {ancestors}; base-uri 'self'; object-src 'none'; form-action 'self'"
    )


def create_server(settings: Settings, runtime: Callable[[], Runtime], apps: dict[str, gr.Blocks]) -> FastAPI:
    """`apps` maps mount paths to Gradio apps; sub-paths must come before "/" (a root mount shadows later routes)."""
    # FastAPI's own /docs page loads Swagger from a CDN, which the CSP below (rightly) blocks: ours is served here.
    server = FastAPI(title="newsdesk", docs_url=None, openapi_url="/api/openapi.json", redoc_url=None)
    credentials = Credentials(settings)
    policy = content_security_policy(settings)

    @server.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    server.add_middleware(
        CORSMiddleware,
        allow_origins=settings.embed_origins,
        allow_credentials=True,
        allow_methods=["GET", "POST"],
        allow_headers=["*"],
    )
    server.add_middleware(AccessPolicy, settings=settings, credentials=credentials)  # outermost: decides first
    server.include_router(build_login_router(credentials))
    server.include_router(build_router(runtime, settings))
    server.include_router(build_docs_router(server))

    @server.get("/gradio.js", include_in_schema=False)
    def gradio_entry() -> Response:
        """A stable URL for the web component's script (Gradio's own entry file name changes with each release)."""
        source = (files("gradio") / "templates" / "frontend" / "gradio.js").read_text(encoding="utf-8")
        return Response(source, media_type="application/javascript", headers={"Access-Control-Allow-Origin": "*"})

    @server.get("/embed", include_in_schema=False)
    def embed_demo(request: Request) -> HTMLResponse:
        base = str(request.base_url).rstrip("/")
        page = (files("assistant.interfaces") / "embed.html").read_text(encoding="utf-8")
        return HTMLResponse(page.replace("{{APP}}", html.escape(base, quote=True)))

    if "/widget" in apps:

        @server.get("/widget", include_in_schema=False)
        def widget_slash() -> RedirectResponse:
            return RedirectResponse("/widget/")

    for path, blocks in apps.items():
        gr.mount_gradio_app(
            server,
            blocks.queue(default_concurrency_limit=8),
            path=path if path == "/" else path.rstrip("/"),
            server_name=settings.host,
            server_port=settings.port,
            footer_links=[],
            max_file_size=settings.max_upload_bytes,
            ssr_mode=False,
            mcp_server=False,
            pwa=False,
        )
    return server
