"""27 hostile articles (tests/data/hostile-articles.jsonl): markup, beacons, injections, fake markers, odd text.

Nothing may run in Chromium, nothing may be requested from the canary (127.0.0.9) or any other outside address,
article text never changes what the LLM path is told to do, and `[n]` in article text is never a citation.
"""

import json
import re

import httpx
import pytest
from playwright.sync_api import expect

import prompts
from assistant.answer import ExtractiveAnswerer
from assistant.config import Settings
from assistant.generative import GenerativeAnswerer, build_llm
from index.articles import load_articles
from index.chunking import split_article
from index.cleaning import clean_article
from index.store import Hit
from tests.conftest import PROJECT, start_app, stop_app
from tests.fake_llm import FakeLLM
from tests.reliability.conftest import FULL
from tests.test_browser import ask, final_answer, only_the_app

pytestmark = pytest.mark.reliability
HOSTILE = PROJECT / "tests" / "data" / "hostile-articles.jsonl"
ARTICLES = [json.loads(line) for line in HOSTILE.read_text(encoding="utf-8").splitlines()]
MARKER = re.compile(r"\[\d+\]")
# In every CI run the browser reads the articles whose payload is markup a page could act on; the rest on demand.
IN_EVERY_RUN = [
    "script",
    "img-onerror",
    "svg-onload",
    "iframe",
    "md-js-link",
    "data-link",
    "md-image-beacon",
    "md-ref-image",
    "style-tag",
    "style-attr",
    "meta-refresh",
    "form",
    "base-href",
    "autolink",
    "details-ontoggle",
    "media-poster",
    "fake-citations",
    "rtl-override",
]


def place(article: dict) -> str:
    return article["title"].split(" harbour")[0]


def question(article: dict) -> str:
    return f"How many visitors did the {place(article)} harbour festival draw?"


def visitors(article: dict) -> str:
    return re.search(r"drew (\d+) visitors", article["text"]).group(1)


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory):
    """An app of its own (the sample plus the hostile set, uploaded through the API), so no other test sees them."""
    app = start_app(tmp_path_factory.mktemp("hostile-app"))
    with open(HOSTILE, "rb") as feed:
        sent = httpx.post(f"{app.url}/api/ingest", files={"files": (HOSTILE.name, feed)}, timeout=600)
    assert sent.status_code == 200 and sent.json()["added"] == len(ARTICLES), sent.text
    yield app
    stop_app(app)


def test_the_fixture_set_covers_the_issue(figures):
    kinds = {a["id"].split("-", 2)[2] for a in ARTICLES}
    assert len(ARTICLES) >= 20
    assert {
        "script",
        "img-onerror",
        "md-js-link",
        "data-link",
        "md-image-beacon",
        "style-tag",
        "prompt-injection",
    } <= kinds
    assert {"fake-citations", "long-line", "rtl-override", "zero-width"} <= kinds
    figures["hostile_fixtures"] = len(ARTICLES)


def test_every_hostile_article_is_answered_with_real_citations_only(hostile_app):
    for article in ARTICLES:
        response = httpx.post(f"{hostile_app.url}/api/ask", json={"question": question(article)}, timeout=60)
        body = response.json()
        assert response.status_code == 200, body
        assert visitors(article) in body["answer"], (article["id"], body["answer"])
        assert article["id"] in {c["article_id"] for c in body["citations"]}
        numbers = {int(n[1:-1]) for n in MARKER.findall(body["answer"])}
        assert numbers == {c["number"] for c in body["citations"]}, (article["id"], body["answer"])
        assert not any(MARKER.search(c["quote"]) for c in body["citations"])  # fake markers were cleaned away


def test_nothing_runs_and_nothing_leaves_in_chromium(visit, hostile_app, figures):
    page = visit.page
    page.goto(hostile_app.url + "/")
    page.locator("#status").filter(has_text="passages").wait_for()
    chosen = [a for a in ARTICLES if FULL or a["id"].split("-", 2)[2] in IN_EVERY_RUN]
    cards: dict[str, str] = {}
    for article in chosen:
        ask(page, question(article))
        final_answer(page, visitors(article))
        page.locator("#chatbot button.option").first.click()
        expect(page.locator("#sources mark")).to_have_count(1)
        cards[article["id"].split("-", 2)[2]] = page.locator("#sources").inner_text()
        assert article["id"] in cards[article["id"].split("-", 2)[2]]
    page.wait_for_timeout(2000)  # time for any late beacon, refresh or autoplay to fire
    visit.screenshot("hostile-articles")
    assert page.evaluate("() => window.__pwned === undefined")
    assert visit.dialogs == []
    assert only_the_app(visit, hostile_app.url) == []
    assert not [url for url in visit.requests if "127.0.0.9" in url]
    assert page.url.startswith(hostile_app.url)  # no meta refresh or base href took the page away
    figures["hostile_browser"] = {"articles_opened": len(chosen), "scripts_run": 0, "outside_requests": 0}
    assert "<script>window.__pwned='script'" in cards["script"]  # markup shows as the literal text it is
    assert 'onerror="window.__pwned' in cards["img-onerror"] and "](javascript:" in cards["md-js-link"]


def hits_of(article: dict, embedder) -> list[Hit]:
    from index.articles import Article

    loaded: Article = next(a for a in load_articles([HOSTILE]) if a.id == article["id"])
    cleaned = clean_article(loaded)
    return [
        Hit(c.id, loaded.id, loaded.title, loaded.url, loaded.published, c.start, c.end, c.text, 1.0)
        for c in split_article(cleaned, embedder.count_tokens, 200)
    ]


def test_article_text_never_changes_the_llm_instructions(embedder, figures):
    system = prompts.render("answer_system.md")
    with FakeLLM("The festival drew many visitors [1].") as fake:  # a FAKE OpenAI-compatible server
        settings = Settings(llm_backend="openai", llm_url=fake.url, llm_model="fake", llm_timeout=5)
        answerer = GenerativeAnswerer(build_llm(settings), ExtractiveAnswerer(embedder, 0.5), fake.url)
        for article in ARTICLES:
            answerer.answer(question(article), hits_of(article, embedder)[:3])
    assert len(fake.requests) == len(ARTICLES)
    for article, request in zip(ARTICLES, fake.requests, strict=True):
        messages = request["messages"]
        assert [m["role"] for m in messages] == ["system", "user"]
        assert messages[0]["content"] == system, article["id"]
        user = messages[1]["content"]
        assert user.count("<passages>") == 1 and user.count("</passages>") == 1, article["id"]  # fence intact
        inside = user.split("<passages>")[1].split("</passages>")[0]
        assert place(article) in inside and place(article) not in user.split("<passages>")[0].split("Question:")[0]
    figures["hostile_llm"] = {"prompts_checked": len(ARTICLES), "system_prompt_changed": 0}
