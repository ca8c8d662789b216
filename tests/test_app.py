"""`python app.py` as a user starts it: empty store → sample ingested → a question answered over Gradio's API."""

import json
import os
import subprocess
import sys

import httpx

from tests.conftest import PROJECT, XI_ARTICLE, free_port
from tests.test_processes import wait_for


def gradio_call(base: str, api_name: str, data: list) -> list:
    """Gradio's plain-HTTP protocol: POST the inputs, then read the event stream to its 'complete' event."""
    event = httpx.post(f"{base}/gradio_api/call/{api_name}", json={"data": data}, timeout=30).json()["event_id"]
    with httpx.stream("GET", f"{base}/gradio_api/call/{api_name}/{event}", timeout=120) as stream:
        kind = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                kind = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and kind in ("complete", "error"):
                assert kind == "complete", line
                return json.loads(line[5:])
    raise AssertionError("the event stream ended without a result")


def test_app_first_start_ingests_the_sample_and_answers(tmp_path):
    port = free_port()
    env = {**os.environ, "NEWSDESK_STORE_PATH": str(tmp_path / "store"), "NEWSDESK_PORT": str(port)}
    log = open(tmp_path / "app.log", "w")  # noqa: SIM115
    app = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: "Running on" in (tmp_path / "app.log").read_text(), 180, "the app to start")
        assert "ingested the bundled sample (5 articles" in (tmp_path / "app.log").read_text()
        history, sources = gradio_call(base, "ask", ["What did Xi tell Medvedev?", []])
        assert history[-1]["role"] == "assistant"
        assert "Medvedev" in str(history[-1]["content"])
        assert XI_ARTICLE in sources and "Sources" in sources
    finally:
        app.terminate()
        app.wait(timeout=30)
        log.close()
