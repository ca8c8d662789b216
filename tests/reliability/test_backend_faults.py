"""Backends failing under a running app: the Chroma server stopped and restarted, an LLM server slow or gone."""

import time

import httpx
import pytest

from tests.conftest import (
    XI_ARTICLE,
    GradioError,
    free_port,
    gradio_call,
    run_cli,
    start_app,
    start_chroma,
    stop_app,
)
from tests.fake_llm import FakeLLM

pytestmark = pytest.mark.reliability
QUESTION = "What did Xi tell Medvedev?"
LLM_TIMEOUT_S = 1.0


def ask(url: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(f"{url}/api/ask", json={"question": QUESTION}, timeout=60)
    return response, time.monotonic() - started


def cited_articles(response: httpx.Response) -> set[str]:
    return {c["article_id"] for c in response.json()["citations"]}


def test_chroma_server_stopped_mid_session_then_back(tmp_path, figures):
    server = start_chroma(tmp_path / "chroma")
    app = start_app(tmp_path, {"NEWSDESK_CHROMA_URL": server.url})
    try:
        answered, _ = ask(app.url)
        assert answered.status_code == 200 and XI_ARTICLE in cited_articles(answered)

        server.stop()
        refused, waited = ask(app.url)
        assert refused.status_code == 503
        assert f"the Chroma server at {server.url} is not answering" in refused.json()["detail"]
        with pytest.raises(GradioError, match="is not answering"):
            gradio_call(app.url, "ask", [QUESTION, [], [], {}, ""])
        assert httpx.get(f"{app.url}/api/health").status_code == 503
        cli = run_cli("ask", QUESTION, env={"NEWSDESK_CHROMA_URL": server.url})
        assert cli.returncode == 1 and "newsdesk: error:" in cli.stderr and server.url in cli.stderr
        assert "Traceback" not in cli.stderr
        assert app.process.poll() is None, "the app died with its store server"

        server = start_chroma(server.path, server.port)  # the same data, back on the same address
        recovered, _ = ask(app.url)
        assert recovered.status_code == 200 and XI_ARTICLE in cited_articles(recovered)
        history, *_ = gradio_call(app.url, "ask", [QUESTION, [], [], {}, ""])
        assert "Medvedev" in str(history[-2]["content"])
    finally:
        stop_app(app)
        server.stop()
    figures["chroma_server_down"] = {"api_status": 503, "api_wait_s": round(waited, 3), "recovered": True}


@pytest.mark.parametrize("failure", ["slow", "down"])
def test_llm_backend_slow_or_down_gives_the_extractive_answer_in_bounded_time(tmp_path, failure, figures):
    with FakeLLM("Too late [1].", delay=10.0) as slow:  # a FAKE OpenAI-compatible server (no model runs here)
        url = slow.url if failure == "slow" else f"http://127.0.0.1:{free_port()}/v1"
        env = {"NEWSDESK_LLM_BACKEND": "openai", "NEWSDESK_LLM_URL": url, "NEWSDESK_LLM_TIMEOUT": str(LLM_TIMEOUT_S)}
        app = start_app(tmp_path, env)
        try:
            ask(app.url)  # the first question also loads the models (seconds on a busy CI machine): not what is timed
            answered, waited = ask(app.url)
        finally:
            stop_app(app)
    assert answered.status_code == 200
    body = answered.json()
    assert body["answer"].startswith(f"(The language model at {url} did not answer")
    assert XI_ARTICLE in cited_articles(answered)
    assert waited < LLM_TIMEOUT_S + 5  # the timeout plus the extractive answer, never the server's 10 s
    figures[f"llm_{failure}"] = {"timeout_s": LLM_TIMEOUT_S, "answer_wait_s": round(waited, 2)}
