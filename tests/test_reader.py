"""The trained reader (issue 26): the shipped file is the one its checksum names, it ranks the sentence that answers
above the one that merely names the subject, it changes a multiple-choice pick the heuristics get wrong, and without
it the answerer works and says so. `make reader` rebuilds it; the tests need its file (shipped in data/reader)."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date

import pytest

from assistant.config import Settings
from assistant.reader import READER_SHA256, Reader, load_reader
from assistant.runtime import Runtime
from index.errors import EmbeddingModelError
from tests.conftest import SAMPLE

TRAM = """City council approves the new tram line

The city council on Tuesday approved the new tram line between the harbour and the university district after a \
two-year debate.

The new tram line will connect the harbour with the university district and run every six minutes at peak hours.

The line will open in 2026 and cost 300 million dollars. Most of the money comes from a regional transport fund.

Opponents said buses would have been cheaper, but the mayor argued that trams carry more passengers.
"""
COST = "The line will open in 2026 and cost 300 million dollars."


BUILT = Settings().reader_model.is_file()
needs_reader = pytest.mark.skipif(not BUILT, reason="data/reader/reader-int8.onnx is missing: `make reader`")


@needs_reader
def test_the_built_reader_is_the_file_its_checksum_names(tmp_path):
    path = Settings().reader_model
    assert path.stat().st_size <= 30 * 1024 * 1024
    recorded = json.loads((path.parent / "training.json").read_text(encoding="utf-8"))["sha256"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == (READER_SHA256 or recorded)
    (tmp_path / "reader-int8.onnx").write_bytes(path.read_bytes()[:-1] + b"\0")  # one byte changed
    (tmp_path / "training.json").write_text(json.dumps({"sha256": recorded}), encoding="utf-8")
    with pytest.raises(EmbeddingModelError, match="sha256"):
        load_reader(tmp_path / "reader-int8.onnx", "")


@pytest.fixture(scope="module")
def reader() -> Reader:
    """The shipped reader, loaded once for the tests that score pairs with it directly."""
    loaded = load_reader(Settings().reader_model, Settings().reader_sha256)
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def tram_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tram")
    (folder / "articles").mkdir()
    (folder / "articles" / "tram.txt").write_text(TRAM, encoding="utf-8")
    return folder


def _first_sentence(folder, embedder, **settings) -> str:
    store = folder / f"store-{len(list(folder.iterdir()))}"
    with Runtime(Settings(store_path=store, **settings), embedder=embedder) as runtime:
        runtime.ingest([folder / "articles"])
        answer = runtime.assistant.answer("What will the new tram line cost?")
    assert not answer.abstained
    return answer.citations[0].quote


@needs_reader
def test_the_reader_prefers_the_cost_sentence_and_keeps_it_as_the_answer(reader, tram_folder, embedder):
    """Since the cost gate (question.py: "What will X cost?" needs an amount) the heuristics alone answer this one
    (tests/test_answers.py); the reader must rank the cost sentence above the one naming the line, and not undo it."""
    naming = "The new tram line will connect the harbour with the university district and run every six minutes."
    cost, other = reader.scores("What will the new tram line cost?", [COST, naming])
    assert cost > other
    assert _first_sentence(tram_folder, embedder, reader_weight=1.0) == COST


@needs_reader
def test_a_pairs_probability_does_not_depend_on_the_pairs_read_with_it(reader):
    """The int8 model quantizes activations on each run's range: read in one batch with longer pairs, the cost
    sentence's probability moved (and a multiple-choice pick with it). Alone or among others, it must be the same."""
    question = "What will the new tram line cost?"
    alone = reader.scores(question, [COST])[0]
    others = [line for line in TRAM.splitlines() if line and line != COST]
    assert reader.scores(question, [*others, COST])[-1] == alone
    assert reader.pair_scores([("Who approved the line?", others[1]), (question, COST)])[-1] == alone


@needs_reader
def test_the_readers_bar_adds_to_the_heuristic_bar_and_never_replaces_it(tram_folder, embedder):
    """A sentence is quoted only when both agree: the reader alone let through what the heuristics refuse."""

    def abstains(**bars: float) -> bool:
        store = tram_folder / f"store-{len(list(tram_folder.iterdir()))}"
        with Runtime(Settings(store_path=store, **bars), embedder=embedder) as runtime:
            runtime.ingest([tram_folder / "articles"])
            return runtime.assistant.answer("What will the new tram line cost?").abstained

    assert not abstains(reader_min_evidence=0.01)
    assert abstains(reader_min_evidence=0.999)  # the heuristics answer; the reader holds the sentence back
    assert abstains(min_evidence=0.99, reader_min_evidence=0.01)  # the reader would answer; the heuristics refuse


@needs_reader
def test_with_the_reader_ranking_sentences_a_second_sentence_that_answers_still_joins(tmp_path, embedder):
    """Followers are near-equals of the lead by the heuristic score. On the reader's total, its share lifted the lead
    ("… the expanded advisory group in Switzerland next week …") out of reach, and the sentence naming the cities went:
    4 of the sample calibration sets' right answers were lost that way at weight 0.5 (docs/quality.md, eighth round)."""
    with Runtime(Settings(store_path=tmp_path / "store", reader_weight=0.5), embedder=embedder) as runtime:
        runtime.ingest([SAMPLE])
        answer = runtime.assistant.answer("In which cities have the advisory group's meetings been held?")
    assert "Switzerland" in answer.citations[0].quote
    assert any("Copenhagen, Jeddah and Malta" in c.quote for c in answer.citations[1:]), answer.text


def test_without_the_reader_file_answers_still_come_and_the_log_says_so(tmp_path, embedder, caplog):
    settings = Settings(store_path=tmp_path / "store", reader_model=tmp_path / "absent.onnx", reader_weight=1.0)
    with caplog.at_level(logging.WARNING), Runtime(settings, embedder=embedder) as runtime:
        runtime.ensure_sample()
        answer = runtime.assistant.answer("Who did Qin Gang speak with by phone?")
        degraded = runtime.degraded()
    assert "Kuleba" in answer.text
    assert "answering without the trained reader" in caplog.text
    assert "absent.onnx" in degraded and "make reader" in degraded  # what the page shows above the chat


CONTEST = [
    {
        "doc_id": "http://127.0.0.9:9/contest-final",
        "title": "Eskerwyn Song Contest final",
        "publish_date": "2023/05/14",
        "text": "The final of the song contest was held in Liverpool on Saturday night before a crowd of 11,000.\n\n"
        "Sweden won the Eskerwyn Song Contest with a ballad sung by Loreen.\n\n"
        "Finland came second, and the host broadcaster called the night a success.",
    },
    {
        "doc_id": "http://127.0.0.9:9/contest-history",
        "title": "A short history of the Eskerwyn Song Contest",
        "publish_date": "2019/03/02",
        "text": "Norway won the Eskerwyn contest in 2009 with a song played on the violin.\n\n"
        "The Eskerwyn Song Contest was first held in 1956 in Lugano.\n\nDenmark hosted it in 2014.",
    },
]
OPTIONS = ("Norway", "Sweden", "Finland", "Denmark")


def _pick(folder, embedder, weight: float) -> tuple[str, tuple]:
    with Runtime(Settings(store_path=folder / f"store-{weight}", reader_option_weight=weight), embedder=embedder) as rt:
        rt.ingest([folder / "contest.jsonl"])
        _, choice = rt.assistant.choose("Which country won the Eskerwyn Song Contest?", OPTIONS, date(2023, 5, 15))
    return OPTIONS[choice.index], choice.signals


@needs_reader
def test_the_reader_picks_this_weeks_winner_over_an_older_story_the_heuristics_prefer(tmp_path, embedder):
    """The heuristics count shared words and closeness, and the 2009 sentence shares as many: they pick Norway. The
    reader reads each option with the question against the sentences naming it, told their age, and backs Sweden."""
    (tmp_path / "contest.jsonl").write_text("\n".join(json.dumps(a) for a in CONTEST), encoding="utf-8")
    assert Settings().reader_option_weight > 0  # shipped on: it gained on the test split
    assert _pick(tmp_path, embedder, 0.0)[0] == "Norway"
    chosen, signals = _pick(tmp_path, embedder, 1.0)
    assert chosen == "Sweden"
    read = dict(zip(OPTIONS, signals[-1], strict=True))
    assert read["Sweden"] > 0.7 and read["Norway"] < 0.6 and read["Finland"] < 0.1
