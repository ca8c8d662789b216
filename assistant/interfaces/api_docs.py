"""/api/docs: the JSON API described from its own OpenAPI schema, rendered here as plain HTML.

FastAPI's docs page loads Swagger UI from a CDN, which the app's CSP blocks and an offline intranet cannot reach.
"""

from __future__ import annotations

import html
import json

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse

_STYLE = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto}pre{background:#f4f4f4;padding:.6rem}"


def render_docs(schema: dict) -> str:
    parts = [
        f"<h1>{html.escape(schema['info']['title'])} API</h1>",
        '<p>Schema: <a href="/api/openapi.json">'
        "/api/openapi.json</a>. Send <code>Authorization: Bearer &lt;NEWSDESK_API_TOKEN&gt;</code> when a token"
        " is set.</p>",
    ]
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            parts.append(f"<h2><code>{method.upper()} {html.escape(path)}</code></h2>")
            parts.append(f"<p>{html.escape(operation.get('description') or operation.get('summary', ''))}</p>")
            body = operation.get("requestBody", {}).get("content", {})
            for kind, content in body.items():
                ref = json.dumps(content.get("schema", {}))
                parts.append(f"<p>Body ({html.escape(kind)}):</p><pre>{html.escape(ref)}</pre>")
    components = json.dumps(schema.get("components", {}).get("schemas", {}), indent=1)
    parts.append(f"<h2>Schemas</h2><pre>{html.escape(components)}</pre>")
    return f"<!doctype html><title>newsdesk API</title><style>{_STYLE}</style>" + "\n".join(parts)


def build_docs_router(server: FastAPI) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/api/docs")
    def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(server.openapi()))

    return router
