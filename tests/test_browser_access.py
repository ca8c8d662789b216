"""Access control as a browser meets it (Debian's Chromium): a foreign page's forged writes, a login inside a frame."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import free_port, start_app, stop_app
from tests.test_browser import ask, final_answer

FORGED = "Forged story: the moon was sold to a bakery on Tuesday, officials said."


def serve_page(host: str, port: int, page: str) -> ThreadingHTTPServer:
    """A one-page site on its own origin, standing for an intranet page or an attacker's page."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def forging_page(app_url: str) -> str:
    return f"""<!doctype html><title>not newsdesk</title><script>
    async function forge(path) {{
      const form = new FormData();
      form.append("files", new Blob([{FORGED!r}], {{type: "text/plain"}}), "forged-" + path.length + ".txt");
      await fetch("{app_url}" + path, {{method: "POST", mode: "no-cors", body: form}}).catch(() => null);
    }}
    window.forged = Promise.all(["/api/ingest", "/gradio_api/upload", "/widget/gradio_api/upload"].map(forge));
    </script>"""


def test_a_foreign_page_cannot_add_an_article(visit, running_app):
    chunks = httpx.get(running_app.url + "/api/health").json()["chunks"]
    site = serve_page("127.0.0.2", free_port(), forging_page(running_app.url))  # another site: another address
    statuses: dict[str, int] = {}
    visit.page.on("response", lambda r: statuses.update({r.url: r.status}) if r.request.method == "POST" else None)
    try:
        visit.page.goto(f"http://127.0.0.2:{site.server_port}/")
        visit.page.evaluate("window.forged")
    finally:
        site.shutdown()
    assert sorted(statuses.values()) == [403, 403, 403], statuses
    assert httpx.get(running_app.url + "/api/health").json()["chunks"] == chunks
    answer = httpx.post(running_app.url + "/api/ask", json={"question": "What was sold to a bakery?"}, timeout=60)
    assert all("bakery" not in c["quote"] for c in answer.json()["citations"])
    assert "refused embedding or cross-origin use from http://127.0.0.2" in running_app.log.read_text()


@pytest.fixture(scope="module")
def intranet(tmp_path_factory):
    """An app with a login, and a same-site intranet page (same address, another port) that frames its widget."""
    port = free_port()
    app = start_app(
        tmp_path_factory.mktemp("secured"),
        {
            "NEWSDESK_UI_USER": "desk",
            "NEWSDESK_UI_PASSWORD": "pa55-for-tests",
            "NEWSDESK_EMBED_ORIGINS": f'["http://127.0.0.1:{port}"]',
        },
    )
    frame = f'<!doctype html><title>portal</title><iframe id="widget" src="{app.url}/widget/" width="900" height="700">'
    site = serve_page("127.0.0.1", port, frame)
    yield app, f"http://127.0.0.1:{port}/"
    site.shutdown()
    stop_app(app)


def test_one_login_inside_the_frame_opens_the_widget_and_the_page(visit, intranet):
    app, portal = intranet
    page = visit.page
    page.goto(portal)
    frame = page.frame_locator("#widget")
    frame.locator("#password").fill("wrong")
    frame.locator("#username").fill("desk")
    frame.locator("#sign-in").click()
    frame.locator("#login-message").filter(has_text="Wrong name or password").wait_for()  # the old page has it empty
    frame.locator("#username").fill("desk")
    frame.locator("#password").fill("pa55-for-tests")
    frame.locator("#sign-in").click()
    ask(frame, "What did Xi tell Medvedev?")
    assert "Medvedev" in final_answer(frame, "Medvedev")
    visit.screenshot("login-in-frame")

    page.goto(app.url + "/")  # the same login holds for the full page
    page.locator("#status").filter(has_text="passages").wait_for()
    assert page.locator("#password").count() == 0
    assert httpx.post(app.url + "/api/ask", json={"question": "What did Xi tell Medvedev?"}).status_code == 401
