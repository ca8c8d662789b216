"""32 concurrent chat sessions through the HTTP API and through the Gradio queue: no errors, bounded memory."""

import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import XI_ARTICLE, gradio_call
from tests.reliability.conftest import bounded

pytestmark = pytest.mark.reliability
SESSIONS = 32
WAVE_LIMIT_S = 300  # a wave that takes longer than this has failed, whatever its answers
CONVERSATION = [  # every session holds this chat: a question and its follow-up
    ("What did Xi tell Medvedev?", XI_ARTICLE),
    ("What else did they discuss?", XI_ARTICLE),
]


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) / 1024


def quantiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(1000 * statistics.median(ordered)),
        "p95_ms": round(1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]),
    }


def api_session(url: str, rounds: int) -> list[float]:
    """One user: the conversation `rounds` times, history sent along; raises on any error or uncited answer."""
    timings = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for _ in range(rounds):
            history: list[dict] = []
            for question, article in CONVERSATION:
                started = time.monotonic()
                response = client.post("/api/ask", json={"question": question, "history": history})
                timings.append(time.monotonic() - started)
                response.raise_for_status()
                body = response.json()
                assert article in {c["article_id"] for c in body["citations"]}, body
                history.append({"question": question, "answer": body["answer"]})
    return timings


def gradio_session(url: str, rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        started = time.monotonic()
        history, sources, *_ = gradio_call(url, "ask", [CONVERSATION[0][0], [], [], {}, ""])
        timings.append(time.monotonic() - started)
        assert "Medvedev" in str(history[-2]["content"]) and XI_ARTICLE in sources
    return timings


def wave(session, url: str, rounds: int) -> tuple[list[float], float]:
    started = time.monotonic()
    with ThreadPoolExecutor(SESSIONS) as pool:
        futures = [pool.submit(session, url, rounds) for _ in range(SESSIONS)]
        timings = [t for f in futures for t in f.result(timeout=WAVE_LIMIT_S)]  # any error fails the test here
    return timings, time.monotonic() - started


def test_32_concurrent_sessions_through_api_and_gradio_queue(running_app, figures):
    url, pid = running_app.url, running_app.process.pid
    single = api_session(url, bounded(4, 10))  # one user alone first, in the same run, as the yardstick
    rss_before = rss_mb(pid)
    rounds = bounded(2, 6)
    api, api_seconds = wave(api_session, url, rounds)
    rss_api = rss_mb(pid)
    chat, chat_seconds = wave(gradio_session, url, bounded(1, 4))
    rss_chat = rss_mb(pid)  # the Gradio queue holds its own state: its growth is bounded below, overall
    again, _ = wave(api_session, url, rounds)  # a second API wave: memory must not keep climbing
    rss_after = rss_mb(pid)

    assert len(api) == len(again) == SESSIONS * rounds * len(CONVERSATION)
    assert rss_after - rss_chat < 150, f"memory kept growing: {rss_chat:.0f} MB → {rss_after:.0f} MB"
    assert rss_after - rss_before < 600, f"memory grew by {rss_after - rss_before:.0f} MB under load"
    assert running_app.process.poll() is None
    figures["load"] = {
        "sessions": SESSIONS,
        "single_user": {"asks": len(single), **quantiles(single)},
        "api": {"asks": len(api), "seconds": round(api_seconds, 1), **quantiles(api)},
        "gradio_queue": {"asks": len(chat), "seconds": round(chat_seconds, 1), **quantiles(chat)},
        "errors": 0,
        "rss_mb": {
            "before": round(rss_before),
            "after_api": round(rss_api),
            "after_gradio": round(rss_chat),
            "after_all": round(rss_after),
        },
    }
