"""The int8 ONNX copy of the embedding model that embeds questions: used only when it agrees with the full model."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pytest

from assistant.config import Settings
from index.errors import EmbeddingModelError
from index.query_encoder import (
    DEFAULT_QUERY_ENCODER,
    DEFAULT_QUERY_ENCODER_SHA256,
    MIN_AGREEMENT,
    int8_products_copy,
    load_query_encoder,
    resolve_onnx_path,
)
from tests.conftest import XI_ARTICLE

QUESTION = "What did Xi tell Medvedev?"
CACHE = Settings().cache_dir  # where the app keeps the int8 copy; made once per machine


class RotatedModel:
    """Hand-written stand-in for another embedding model: the real tokenizer, vectors in a different space."""

    def __init__(self, real):
        self.tokenizer, self.max_tokens, self._real = real.tokenizer, real.max_tokens, real

    def embed_sentences(self, texts: Sequence[str]) -> list[list[float]]:
        return [list(np.roll(v, 7)) for v in self._real.embed_sentences(texts)]


def test_questions_go_through_the_int8_copy_and_land_where_the_full_model_puts_them(embedder):
    assert embedder.query_encoder is not None
    fast = np.asarray(embedder.embed_query(QUESTION))
    full = np.asarray(embedder.embed_documents([QUESTION])[0])
    assert fast.shape == full.shape == (384,)
    assert float(fast @ full) >= MIN_AGREEMENT
    assert not np.array_equal(fast, full)  # it really is the other runtime answering


def test_the_copy_in_use_multiplies_in_int8_and_is_made_once(embedder):
    import onnx

    made = CACHE / embedder.query_encoder.name
    operators = {node.op_type for node in onnx.load(made).graph.node}
    assert {"MatMulInteger", "DynamicQuantizeLinear"} <= operators or "DynamicQuantizeMatMul" in operators
    assert "MatMulInteger" not in {
        node.op_type for node in onnx.load(resolve_onnx_path(DEFAULT_QUERY_ENCODER)).graph.node
    }
    before = made.stat().st_mtime_ns
    assert int8_products_copy(resolve_onnx_path(DEFAULT_QUERY_ENCODER), CACHE) == made
    assert made.stat().st_mtime_ns == before


def test_without_a_usable_cache_the_shipped_copy_answers(embedder, tmp_path, caplog):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="index.query_encoder"):
        loaded = load_query_encoder(DEFAULT_QUERY_ENCODER, DEFAULT_QUERY_ENCODER_SHA256, embedder, blocked)
    assert loaded is not None and loaded.name == "model.onnx"
    assert "no int8 copy" in caplog.text and str(blocked) in caplog.text
    full = np.asarray(embedder.embed_documents([QUESTION])[0])
    assert float(np.asarray(loaded.embed_query(QUESTION)) @ full) >= 0.999  # the shipped copy agrees closer still


def test_retrieval_with_int8_questions_finds_the_xi_article(sample_runtime):
    hits = sample_runtime.assistant.retriever.retrieve(QUESTION)
    assert hits[0].article_id == XI_ARTICLE


def test_a_copy_of_another_model_is_not_used(embedder, caplog):
    with caplog.at_level(logging.WARNING, logger="index.query_encoder"):
        loaded = load_query_encoder(DEFAULT_QUERY_ENCODER, DEFAULT_QUERY_ENCODER_SHA256, RotatedModel(embedder), CACHE)
    assert loaded is None
    assert "not used" in caplog.text and "NEWSDESK_QUERY_ENCODER" in caplog.text


def test_empty_setting_means_no_copy(embedder):
    assert load_query_encoder("", DEFAULT_QUERY_ENCODER_SHA256, embedder, CACHE) is None


def test_changed_file_is_refused_with_the_setting_to_fix(embedder):
    with pytest.raises(EmbeddingModelError, match="NEWSDESK_QUERY_ENCODER_SHA256"):
        load_query_encoder(DEFAULT_QUERY_ENCODER, "0" * 64, embedder, CACHE)


def test_unknown_encoder_names_what_was_expected(tmp_path):
    with pytest.raises(EmbeddingModelError, match="no such .onnx file, directory or package"):
        resolve_onnx_path(str(tmp_path / "missing.onnx"))
    (tmp_path / "model.onnx").write_bytes(b"")
    assert resolve_onnx_path(str(tmp_path)) == tmp_path / "model.onnx"
