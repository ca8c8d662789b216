"""Answers a person can read (issue 28): a quote has a length limit, a run of text that is no prose is never quoted,
a headline does not pad an answer, and the sentence after a pasted script block or footnote markers is found."""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.runtime import Runtime

LONG = (
    "The harbour authority said the new tram line would cost 300 million dollars, "
    + "and ".join(
        f"that stop number {n} would serve the district of Alderwick with trams every six minutes " for n in range(5)
    )
    + "before the line opens in 2026."
)
HOSTILE = """Zorblat lantern festival draws record crowds

The Zorblat lantern festival drew a record crowd of 40,000 visitors on Saturday, the organisers said.
<script>window.__pwned = "script"; alert("script")</script>The mayor of Zorblat opened the festival with a speech.
The lanterns were made by 300 local volunteers.[3][4][99]The festival will return next year to the old harbour park.
"""
FERRY = """Zorblat harbour ferry enters service

The Zorblat harbour ferry will carry commuters and cyclists across the bay from March, the port authority said.
Photo: the Zorblat harbour ferry carrying commuters and cyclists across the bay.
The ferry was built in a shipyard in the north.
"""
RUN = "a" * 20_000 + " The lantern festival drew a record crowd of 40,000 visitors on Saturday."


@pytest.fixture
def runtime(tmp_path, embedder):
    (tmp_path / "articles").mkdir()
    (tmp_path / "articles" / "tram.txt").write_text(f"Alderwick tram line\n\n{LONG}\n", encoding="utf-8")
    (tmp_path / "articles" / "zorblat.txt").write_text(HOSTILE, encoding="utf-8")
    (tmp_path / "articles" / "ferry.txt").write_text(FERRY, encoding="utf-8")
    (tmp_path / "articles" / "run.txt").write_text(f"Lantern festival\n\n{RUN}\n", encoding="utf-8")
    built = Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder)
    built.ingest([tmp_path / "articles"])
    yield built
    built.close()


def test_a_long_sentence_is_quoted_up_to_a_word_and_its_span_is_exact(runtime):
    assert 500 < len(LONG) < 1000  # longer than a quote, shorter than a chunk (200 word pieces)
    answer = runtime.assistant.answer("How much will the Alderwick tram line cost?")
    quote = answer.citations[0].quote
    assert answer.citations[0].article_id == "tram"
    assert quote.startswith("The harbour authority said the new tram line would cost 300 million dollars")
    assert len(quote) <= 400 and LONG.startswith(quote) and not LONG[len(quote)].isalnum()  # ends at a whole word
    assert answer.text.startswith(quote + "… [1]") and len(answer.text) < 1000
    stored = runtime.store.collection.get(where={"article_id": "tram"}, include=["documents", "metadatas"])
    chunk = next(t for t, m in zip(stored["documents"], stored["metadatas"], strict=True) if quote in t)
    assert chunk.index(quote) >= 0  # the citation's span is text of the article, not a rewrite


def test_a_run_of_one_letter_is_never_quoted(runtime):
    answer = runtime.assistant.answer("What did the article say about aaaa?")
    assert "aaaaaaaaaa" not in answer.text and len(answer.text) < 1000


def test_the_sentence_after_a_script_block_is_found_and_quoted_alone(runtime):
    answer = runtime.assistant.answer("Who opened the Zorblat festival?")
    assert answer.text == "The mayor of Zorblat opened the festival with a speech. [1]"
    assert answer.citations[0].article_id == "zorblat"


def test_the_sentence_after_footnote_markers_is_found(runtime):
    answer = runtime.assistant.answer("Where will the Zorblat festival return next year?")
    assert "The festival will return next year to the old harbour park. [" in answer.text
    assert "[3]" not in answer.citations[0].quote and "volunteers.The" not in answer.text


def test_a_headline_never_pads_an_answer(runtime):
    for question in ("Who opened the Zorblat festival?", "Where will the Zorblat festival return next year?"):
        assert "draws record crowds" not in runtime.assistant.answer(question).text


def test_a_caption_without_a_verb_never_pads_an_answer(runtime):
    """It ends with a full stop and shares the question's words, but states nothing: a photo caption."""
    answer = runtime.assistant.answer("What will the Zorblat harbour ferry carry across the bay?")
    assert answer.citations[0].quote.startswith("The Zorblat harbour ferry will carry commuters and cyclists")
    assert "Photo:" not in answer.text, answer.text


def test_a_line_without_closing_punctuation_never_pads_an_answer(sample_runtime):
    """Article 001's standfirst restates its headline without a full stop; it was the second "sentence" of these."""
    standfirst = "Xi Jinping stated at the meeting with Medvedev that China wants negotiations on Ukraine"
    for question in ("Where did Xi meet Medvedev?", "What did Xi tell Medvedev?"):
        answer = sample_runtime.assistant.answer(question)
        assert not answer.abstained and standfirst not in answer.text, answer.text
        assert all(c.quote.rstrip().endswith((".", "!", "?", '"', "”", "’")) for c in answer.citations[1:])
    first = sample_runtime.assistant.answer("What did Xi tell Medvedev?").citations[0]
    assert first.article_id == "001_99e80554701945ba" and "Medvedev" in first.quote


def test_he_after_a_who_question_is_the_person_its_answer_named(sample_runtime):
    """ "What did he tweet afterwards?" was read as Wang Yi's tweet; the one who tweeted is whom he spoke with."""
    from assistant.followup import Turn, standalone

    first = sample_runtime.assistant.answer("Who did Wang Yi speak with on Monday?")
    assert "Kuleba" in first.text
    follow = sample_runtime.assistant.answer("What did he tweet afterwards?", history=[first.turn()])
    assert follow.standalone.startswith("What did Dmitro Kuleba tweet") or "Kuleba tweet" in follow.standalone
    assert "Kouleba tweeted on Monday" in follow.text
    who_is = [Turn("Who is Zhang Jun?", "Zhang Jun is China’s envoy to the UN. [1]")]
    assert standalone("When did he speak?", who_is) == "When did Zhang Jun speak?"  # "Who is X?": he is still X
