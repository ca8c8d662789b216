"""`python app.py` as a user starts it: empty store → sample ingested → questions over Gradio's API and the JSON API."""

import httpx

from tests.conftest import UN_ARTICLE, XI_ARTICLE, gradio_call, run_cli


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


def test_ingest_while_the_app_runs_is_refused_then_sent_through_the_app(running_app, tmp_path):
    article = tmp_path / "quarlith-bridge.txt"
    article.write_text(
        " date 2023-03-02 Quarlith bridge opens after six years\n\n"
        "The new Quarlith bridge over the Vell river opened on Thursday after six years of construction, "
        "the city council said. About 12,000 cars are expected to cross it every day.\n",
        encoding="utf-8",
    )
    env = {"NEWSDESK_STORE_PATH": str(running_app.store)}
    chunks_before = httpx.get(running_app.url + "/api/health").json()["chunks"]

    refused = run_cli("ingest", "--quiet", str(article), env=env)
    assert refused.returncode == 1
    assert f"process {running_app.process.pid}" in refused.stderr and str(running_app.store) in refused.stderr
    assert f"newsdesk app at {running_app.url}" in refused.stderr and "--via-app" in refused.stderr

    sent = run_cli("ingest", "--quiet", "--via-app", str(article), env=env)
    assert sent.returncode == 0, sent.stderr
    assert "1 articles: 1 added" in sent.stdout
    assert httpx.get(running_app.url + "/api/health").json()["chunks"] == chunks_before + 1
    answer = httpx.post(running_app.url + "/api/ask", json={"question": "When did the Quarlith bridge open?"}).json()
    assert answer["citations"][0]["article_id"] == "quarlith-bridge"
    assert answer["citations"][0]["date"] == "2023-03-02"
