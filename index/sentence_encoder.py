"""A float32 ONNX copy of the embedding model for the sentences an answer compares, so answering needs no torch.

Importing torch and sentence-transformers took 8.6 of a cold `newsdesk ask`'s ~15 s. Questions already embed
through an int8 ONNX copy (index/query_encoder.py); the answer's sentences must keep the full model's precision
(the abstention threshold was calibrated on its scores), so they get an exact copy: the model exported once with
torch's own exporter into the cache, then run by onnxruntime. Its vectors equal the torch model's to ~2e-7
(cosine ≥ 0.9999999 on the sample's sentences). Passages at ingest still go through torch: large batches are what
it does well, and the stored vectors stay exactly what they were.
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from index.query_encoder import OnnxQueryEncoder, root_logger_kept

if TYPE_CHECKING:
    from index.embedding import SentenceTransformerEmbedder

log = logging.getLogger(__name__)

# The copy is used only if, when made, it agreed with the torch model at least this well on the probes.
MIN_AGREEMENT = 0.99999
_PROBES = (
    "What did the foreign minister say about the peace talks?",
    "Shares fell sharply after the central bank raised interest rates by half a point, the third rise this year.",
    "Kyiv",
)
_MEAN_POOLED = ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling",
                "sentence_transformers.models.Normalize"]  # fmt: skip
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def is_mean_pooled(model_dir: Path) -> bool:
    """Transformer → mean pooling → normalise, the layout the copy reproduces; any other model stays on torch."""
    try:
        modules = [m["type"] for m in json.loads((model_dir / "modules.json").read_text(encoding="utf-8"))]
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return modules == _MEAN_POOLED and bool(pooling.get("pooling_mode_mean_tokens"))


def float32_copy(model: SentenceTransformerEmbedder, cache_dir: Path, key: str) -> Path | None:
    """The model as ONNX in `cache_dir`, exported on first use (this loads torch once) and kept only if it agrees
    with the torch model; `key` names the weights (their sha256). None, and a warning, if it cannot be made."""
    target = cache_dir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', model.name)}-{key[:16]}-fp32.onnx"
    if target.exists():
        return target
    model_dir = Path(model.model_path)
    if not is_mean_pooled(model_dir) or not (model_dir / "tokenizer.json").is_file():
        log.warning("sentence encoder: %s is not a mean-pooled model with a tokenizer.json; using torch", model_dir)
        return None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache_dir) as work, root_logger_kept():
            made = Path(work) / "model.onnx"
            _export(model, made)
            agreement = _agreement(made, model)
            if agreement < MIN_AGREEMENT:
                raise ValueError(f"the export agrees with the model only at cosine {agreement:.6f}")
            os.replace(made, target)  # whole or not at all, should another process make it at the same time
    except Exception as exc:  # whatever fails here, torch still answers
        log.warning("sentence encoder: no ONNX copy of %s made in %s (%s); using torch", model_dir, cache_dir, exc)
        return None
    return target


def _export(model: SentenceTransformerEmbedder, path: Path) -> None:
    import torch

    transformer = model.loaded[0].auto_model.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001 - traced tensors
            out = self.transformer(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    sample = model.tokenizer(["a first sentence to trace", "and a second, longer one, padded"])
    args = tuple(torch.from_numpy(sample[name]) for name in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    # The tracer warns about shape checks it fixes as constants; the probes check the copy on batches with and
    # without padding instead.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(LastHiddenState(), args, str(path), input_names=list(_INPUTS), dynamo=False,
                          output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17)  # fmt: skip


def _agreement(path: Path, model: SentenceTransformerEmbedder) -> float:
    """The lowest cosine with the torch model, on the probes batched together (padded) and one by one (not)."""
    copy = OnnxQueryEncoder(path, model.tokenizer, model.max_tokens, all_rewrites=False)
    alone = min(copy.agreement(model.embed_documents, [probe]) for probe in _PROBES)
    return min(alone, copy.agreement(model.embed_documents, _PROBES))


def load_sentence_encoder(model: SentenceTransformerEmbedder, cache_dir: Path) -> OnnxQueryEncoder | None:
    """The exact copy (made in `cache_dir` on first use), or None: the answer's sentences then go through torch."""
    path = float32_copy(model, cache_dir, model.sha256 or _weights_digest(Path(model.model_path)))
    if path is None:
        return None
    try:
        return OnnxQueryEncoder(path, model.tokenizer, model.max_tokens, all_rewrites=False)
    except Exception as exc:  # a damaged cache file: say so, answer through torch
        log.warning("sentence encoder: cannot load %s (%s); delete it to have it made again; using torch", path, exc)
        return None


def _weights_digest(model_dir: Path) -> str:
    import hashlib

    weights = model_dir / "model.safetensors"
    source = weights.read_bytes() if weights.is_file() else str(model_dir).encode()
    return hashlib.sha256(source).hexdigest()
