"""The access policy on the whole server (FastAPI + both Gradio apps): every route, cross-site writes, login, limits."""

from __future__ import annotations

import base64
import re

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount, WebSocketRoute

from assistant.config import Settings
from assistant.interfaces.access import PUBLIC_PATHS
from tests.conftest import XI_ARTICLE

TOKEN, USER, PASSWORD = "t0ken-for-tests", "desk", "pa55-for-tests"
FOREIGN = "http://127.0.0.9:9"  # the loopback canary stands for a site that is not allowed
QUESTION = {"question": "What did Xi tell Medvedev?"}


def build_server(sample_runtime, **changes):
    import app as page
    from assistant.interfaces.web import create_server

    page.runtime._runtime = sample_runtime  # the page's callbacks answer from the shared sample store
    settings = Settings(store_path=sample_runtime.settings.store_path, **changes)
    return create_server(settings, lambda: sample_runtime, {"/widget": page.widget, "/": page.demo})


@pytest.fixture(scope="module")
def guarded(sample_runtime):
    # the walk below sends hundreds of wrong Basic logins: the throttle (tested on its own) must not answer for them
    return build_server(
        sample_runtime, api_token=TOKEN, ui_user=USER, ui_password=PASSWORD, login_attempts_per_minute=10**6
    )


def every_route(routes, prefix: str = "") -> list[tuple[str, str]]:
    """(method, path) of every registered route, the mounted Gradio apps' included; path parameters filled in."""
    found = []
    for route in routes:
        path = re.sub(r"{[^}]+}", "x", prefix + getattr(route, "path", ""))
        if isinstance(route, Mount):
            found += every_route(route.routes, prefix + route.path)
        elif hasattr(route, "original_router"):  # FastAPI 0.165 keeps an included router whole (no prefix used here)
            found += every_route(route.original_router.routes, prefix)
        elif isinstance(route, WebSocketRoute):
            found.append(("WS", path))
        elif getattr(route, "methods", None):
            found += [(method, path or "/") for method in sorted(route.methods - {"HEAD"})]
    return found


def test_every_route_refuses_without_or_with_wrong_credentials(guarded):
    routes = every_route(guarded.routes)
    paths = {path for _, path in routes}
    assert {"/api/ask", "/api/ingest", "/v1/chat/completions", "/api/docs", "/api/openapi.json"} <= paths
    assert {"/gradio_api/upload", "/widget/gradio_api/upload", "/gradio_api/queue/join", "/config"} <= paths
    assert len(routes) > 60, routes  # both Gradio apps were walked, not only our own routes
    client = TestClient(guarded, follow_redirects=False)
    wrong = {"Authorization": "Bearer not-the-token"}
    open_routes = []
    for method, path in routes:
        if path in PUBLIC_PATHS:
            continue
        if method == "WS":
            with pytest.raises(Exception), client.websocket_connect(path):  # noqa: B017 - any refusal will do
                pass
            continue
        for headers in ({}, wrong, {"Authorization": "Basic " + base64.b64encode(b"desk:nope").decode()}):
            status = client.request(method, path, headers={"Accept": "application/json", **headers}).status_code
            if status != 401:
                open_routes.append((method, path, headers, status))
    assert open_routes == []
    page = client.get("/widget/", headers={"Accept": "text/html"})
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/widget/"


def test_the_right_credentials_open_the_page_widget_and_apis(guarded):
    client = TestClient(guarded, follow_redirects=False)
    by_token = client.post("/api/ask", json=QUESTION, headers={"Authorization": f"Bearer {TOKEN}"})
    assert by_token.status_code == 200 and by_token.json()["citations"][0]["article_id"] == XI_ARTICLE
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert client.post("/api/ask", json=QUESTION, headers={"Authorization": basic}).status_code == 200

    login = client.post("/login", data={"username": USER, "password": PASSWORD, "next": "/widget/"},
                        headers={"Accept": "text/html"})  # fmt: skip
    assert login.status_code == 303 and login.headers["location"] == "/widget/"
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # http keeps a Lax cookie
    for path in ("/", "/widget/", "/config", "/widget/config", "/api/docs"):  # one login for page, widget and docs
        assert client.get(path).status_code == 200, path
    assert "POST /api/ask" in client.get("/api/docs").text and "cdn" not in client.get("/api/docs").text.lower()
    assert client.post("/api/ask", json=QUESTION).json()["citations"][0]["article_id"] == XI_ARTICLE
    client.get("/logout")
    assert client.post("/api/ask", json=QUESTION).status_code == 401


def test_https_login_cookie_crosses_sites_and_next_never_leaves_the_server(guarded):
    client = TestClient(guarded, base_url="https://newsdesk.intranet", follow_redirects=False)
    login = client.post("/login", data={"username": USER, "password": PASSWORD, "next": "//127.0.0.9:9/"},
                        headers={"Accept": "text/html"})  # fmt: skip
    assert login.headers["location"] == "/"
    assert "SameSite=None; Secure" in login.headers["set-cookie"]


def test_wrong_logins_are_rate_limited_even_for_the_right_password(sample_runtime):
    server = build_server(sample_runtime, ui_user=USER, ui_password=PASSWORD, login_attempts_per_minute=3)
    client = TestClient(server)
    codes = [client.post("/login", data={"username": USER, "password": f"guess{i}"}).status_code for i in range(3)]
    assert codes == [401, 401, 401]
    blocked = client.post("/login", data={"username": USER, "password": PASSWORD})
    assert blocked.status_code == 429 and "try again in" in blocked.json()["detail"]
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert client.post("/api/ask", json=QUESTION, headers={"Authorization": basic}).status_code == 429


def forged_upload(client: TestClient, path: str, headers: dict) -> int:
    files = {"files": ("forged.txt", b"Forged story: the moon was sold to a bakery on Tuesday.", "text/plain")}
    return client.post(path, files=files, headers=headers).status_code


@pytest.mark.parametrize("path", ["/api/ingest", "/gradio_api/upload", "/widget/gradio_api/upload"])
def test_writes_from_another_origin_are_refused_and_store_nothing(sample_runtime, path):
    server = build_server(sample_runtime, embed_origins=["http://127.0.0.1:8800"])
    client = TestClient(server)
    before = sample_runtime.store.count()
    assert forged_upload(client, path, {"Origin": FOREIGN}) == 403
    assert forged_upload(client, path, {"Origin": "null"}) == 403
    assert forged_upload(client, path, {"Sec-Fetch-Site": "cross-site"}) == 403
    assert sample_runtime.store.count() == before
    assert client.post("/api/ask", json=QUESTION, headers={"Origin": FOREIGN}).status_code == 403
    allowed = client.post("/api/ask", json=QUESTION, headers={"Origin": "http://127.0.0.1:8800"})
    assert allowed.status_code == 200 and allowed.json()["citations"][0]["article_id"] == XI_ARTICLE


def test_ingest_is_off_for_anonymous_users_when_listening_beyond_loopback(sample_runtime):
    client = TestClient(build_server(sample_runtime, host="0.0.0.0"))
    refused = client.post("/api/ingest", files={"files": ("a.txt", b"Some text here.", "text/plain")})
    assert refused.status_code == 403 and "NEWSDESK_API_TOKEN" in refused.json()["detail"]
    assert client.post("/api/ask", json=QUESTION).status_code == 200  # reading stays open
    import app as page

    assert not page.ingest_allowed(page.LazyRuntime(Settings(host="0.0.0.0")))  # the page hides its upload then
    assert page.ingest_allowed(page.LazyRuntime(Settings(host="0.0.0.0", api_token=TOKEN)))
    assert page.ingest_allowed(page.LazyRuntime(Settings(host="127.0.0.1")))


def test_an_oversized_body_is_refused_while_it_streams(sample_runtime):
    client = TestClient(build_server(sample_runtime, max_upload_mb=0.01))
    declared = client.post("/api/ingest", files={"files": ("big.jsonl", b"x" * 1_500_000, "text/plain")})
    assert declared.status_code == 413 and "NEWSDESK_MAX_UPLOAD_MB" in declared.json()["detail"]

    def pieces():
        for _ in range(30):
            yield b"y" * 100_000

    streamed = client.post("/api/ingest", content=pieces(), headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert streamed.status_code == 413
