"""The trained reader (issue 26): a built file is the one its checksum names, it ranks the sentence that answers above
the one that merely names the subject, and without it the answerer works and says so. It is not shipped (it has not
gained on the test split: docs/quality.md), so the first two run where `make reader` has built it."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

from assistant.config import Settings
from assistant.reader import READER_SHA256, load_reader
from assistant.runtime import Runtime
from index.errors import EmbeddingModelError

TRAM = """City council approves the new tram line

The city council on Tuesday approved the new tram line between the harbour and the university district after a \
two-year debate.

The new tram line will connect the harbour with the university district and run every six minutes at peak hours.

The line will open in 2026 and cost 300 million dollars. Most of the money comes from a regional transport fund.

Opponents said buses would have been cheaper, but the mayor argued that trams carry more passengers.
"""
COST = "The line will open in 2026 and cost 300 million dollars."


BUILT = Settings().reader_model.is_file()
needs_reader = pytest.mark.skipif(not BUILT, reason="the reader is not shipped yet (not adopted): `make reader`")


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
def test_the_reader_prefers_the_cost_sentence_and_keeps_it_as_the_answer(tram_folder, embedder):
    """Since the cost gate (question.py: "What will X cost?" needs an amount) the heuristics alone answer this one
    (tests/test_answers.py); the reader must rank the cost sentence above the one naming the line, and not undo it."""
    reader = load_reader(Settings().reader_model, Settings().reader_sha256)
    assert reader is not None
    naming = "The new tram line will connect the harbour with the university district and run every six minutes."
    cost, other = reader.scores("What will the new tram line cost?", [COST, naming])
    assert cost > other
    assert _first_sentence(tram_folder, embedder, reader_weight=1.0) == COST


def test_without_the_reader_file_answers_still_come_and_the_log_says_so(tmp_path, embedder, caplog):
    settings = Settings(store_path=tmp_path / "store", reader_model=tmp_path / "absent.onnx", reader_weight=1.0)
    with caplog.at_level(logging.WARNING), Runtime(settings, embedder=embedder) as runtime:
        runtime.ensure_sample()
        answer = runtime.assistant.answer("Who did Qin Gang speak with by phone?")
        degraded = runtime.degraded()
    assert "Kuleba" in answer.text
    assert "answering without the trained reader" in caplog.text
    assert "absent.onnx" in degraded and "make reader" in degraded  # what the page shows above the chat
