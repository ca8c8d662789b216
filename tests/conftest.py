"""Shared fixtures: the real embedding model (loaded once), the bundled sample, real Chroma stores."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

for _key, _value in {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
}.items():
    os.environ.setdefault(_key, _value)

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = PROJECT / "data" / "sample"
SHARED = PROJECT.parent / "shared"
REALTIMEQA = SHARED / "benchmarks" / "realtimeqa"
XI_ARTICLE = "001_99e80554701945ba"
UN_ARTICLE = "002_407555052ac68120"


@pytest.fixture(scope="session")
def embedder():
    """As the app loads it: the full model for passages, its int8 ONNX copy for questions."""
    from assistant.config import Settings
    from assistant.runtime import load_embedder

    return load_embedder(Settings())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def chroma_executable() -> str:
    found = shutil.which("chroma", path=str(Path(sys.executable).parent)) or shutil.which("chroma")
    if not found:
        pytest.fail("the `chroma` command (from the chromadb package) is not installed")
    return found


@dataclass
class ChromaServer:
    url: str
    port: int
    path: Path
    process: subprocess.Popen

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def start_chroma(path: Path, port: int | None = None) -> ChromaServer:
    """A real `chroma run` server on 127.0.0.1 (same path and port again = the same server back after a stop)."""
    import httpx

    port = port or free_port()
    path.mkdir(parents=True, exist_ok=True)
    with open(path / "server.log", "a") as log:
        process = subprocess.Popen(
            [chroma_executable(), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"chroma server exited; see {path / 'server.log'}")
        try:
            return httpx.get(f"{url}/api/v2/heartbeat", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_until(answers, 60, "the chroma server to start")
    except AssertionError:
        process.kill()
        raise
    return ChromaServer(url, port, path, process)


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A `chroma run` server started for this test session and stopped after it."""
    server = start_chroma(tmp_path_factory.mktemp("chroma-server"))
    yield server.url
    server.stop()


@pytest.fixture(params=["embedded", "server"])
def store(request, tmp_path):
    """The same tests run against the embedded store and a `chroma run` server (a fresh collection each)."""
    from index.store import ChunkStore

    if request.param == "embedded":
        chunk_store = ChunkStore(tmp_path / "store")
    else:
        url = request.getfixturevalue("chroma_server")
        chunk_store = ChunkStore(url=url, collection=f"t{time.time_ns()}")
    yield chunk_store
    chunk_store.close()


@pytest.fixture(scope="session")
def sample_runtime(tmp_path_factory, embedder):
    """One embedded store with the bundled sample ingested, shared by the answer tests."""
    from assistant.config import Settings
    from assistant.runtime import Runtime

    settings = Settings(store_path=tmp_path_factory.mktemp("sample-store"))
    runtime = Runtime(settings, embedder=embedder)
    runtime.ingest([SAMPLE])
    yield runtime
    runtime.close()


def run_cli(
    *args: str, env: dict | None = None, timeout: float = 300, typed: str | None = None
) -> subprocess.CompletedProcess:
    """`typed` is piped to stdin; without it stdin is empty (never a terminal: no interactive offers)."""
    return subprocess.run(
        [sys.executable, "-m", "assistant.interfaces.cli", *args],
        **({"input": typed} if typed is not None else {"stdin": subprocess.DEVNULL}),
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=PROJECT,
    )


def gradio_call(base: str, api_name: str, data: list) -> list:
    """Gradio's plain-HTTP protocol: POST the inputs, then read the event stream to its 'complete' event."""
    import httpx

    event = httpx.post(f"{base}/gradio_api/call/{api_name}", json={"data": data}, timeout=30).json()["event_id"]
    with httpx.stream("GET", f"{base}/gradio_api/call/{api_name}/{event}", timeout=120) as stream:
        kind = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                if kind == "error":
                    raise GradioError(line[5:].strip())
                return json.loads(line[5:])
    raise AssertionError("the event stream ended without a result")


class GradioError(AssertionError):
    """The app answered a Gradio call with an error event; the text is what the page shows."""


@dataclass
class RunningApp:
    url: str
    log: Path
    store: Path
    process: subprocess.Popen


def wait_until(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}")


def start_app(folder: Path, extra_env: dict | None = None) -> RunningApp:
    """`python app.py` as a user starts it, on a fresh store and a free loopback port."""
    port = free_port()
    log_path = folder / "app.log"
    env = {
        **os.environ,
        "NEWSDESK_STORE_PATH": str(folder / "store"),
        "NEWSDESK_PORT": str(port),
        "NEWSDESK_HOST": "127.0.0.1",
        **(extra_env or {}),
    }
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    app = RunningApp(f"http://127.0.0.1:{port}", log_path, folder / "store", process)

    def started() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the app exited with {process.returncode}:\n{log_path.read_text()}")
        return "Running on" in log_path.read_text()

    wait_until(started, 240, "the app to start")
    return app


def stop_app(app: RunningApp) -> None:
    app.process.terminate()
    try:
        app.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        app.process.kill()


@pytest.fixture(scope="session")
def running_app(tmp_path_factory):
    """One app for the UI, API and browser tests: started on an empty store, so it ingests the sample itself."""
    app = start_app(tmp_path_factory.mktemp("app"))
    yield app
    stop_app(app)


CHROMIUM = Path(os.environ.get("NEWSDESK_TEST_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = PROJECT / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (never `playwright install`: no machine here reaches its CDN)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does this)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        )
        yield chromium
        chromium.close()


@dataclass
class Visit:
    """A browser page plus everything it asked the network for and every dialog a script tried to open."""

    page: object
    requests: list[str]
    outside: list[str]
    dialogs: list[str]

    def screenshot(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def is_loopback(url: str) -> bool:
    from urllib.parse import urlparse

    host = urlparse(url).hostname or ""
    return host.startswith("127.") or host == "localhost" or url.startswith(("data:", "blob:", "about:", "file:"))


@pytest.fixture
def visit(browser):
    """A fresh browser context that records every request and aborts (and records) any that leaves loopback."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    record = Visit(context.new_page(), [], [], [])

    def guard(route) -> None:
        if is_loopback(route.request.url):
            route.continue_()
        else:
            record.outside.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    context.on("request", lambda request: record.requests.append(request.url))
    context.on("page", lambda page: page.on("dialog", lambda d: (record.dialogs.append(d.message), d.dismiss())))
    record.page.on("dialog", lambda d: (record.dialogs.append(d.message), d.dismiss()))
    record.page.set_default_timeout(60_000)
    yield record
    context.close()
