"""`python app.py` as a user starts it: empty store → sample ingested → questions over Gradio's API and the JSON API."""

import json

import httpx

from tests.conftest import UN_ARTICLE, XI_ARTICLE


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


def test_first_start_ingests_the_sample_and_the_chat_answers(running_app):
    assert "ingested the bundled sample (5 articles" in running_app.log.read_text()
    history, sources, *_ = gradio_call(running_app.url, "ask", ["What did Xi tell Medvedev?", [], [], {}, ""])
    answer, buttons = history[-2], history[-1]
    assert answer["role"] == "assistant" and "Medvedev" in str(answer["content"])
    assert XI_ARTICLE in sources and "<mark>" in sources
    assert buttons["options"] and buttons["options"][0]["label"].startswith("[1] Xi Jinping")


def test_as_of_date_control_leaves_out_later_articles(running_app):
    question = "Who is China's Permanent Representative to the UN?"
    _, sources, *_ = gradio_call(running_app.url, "ask", [question, [], [], {}, ""])
    assert UN_ARTICLE in sources  # published 2022-11-16
    _, sources, *_ = gradio_call(running_app.url, "ask", [question, [], [], {}, "2022-11-15"])
    assert UN_ARTICLE not in sources


def test_security_headers_keep_the_page_on_its_own_origin(running_app):
    response = httpx.get(running_app.url + "/")
    policy = response.headers["content-security-policy"]
    assert "img-src 'self' data: blob:" in policy and "connect-src 'self'" in policy
    assert "frame-ancestors 'self'" in policy
    foreign = httpx.get(running_app.url + "/config", headers={"Origin": "http://127.0.0.9:9"})
    assert "access-control-allow-origin" not in foreign.headers
