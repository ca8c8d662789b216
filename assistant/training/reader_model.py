"""Training the reader and shipping it: fine-tune, export to ONNX, quantize to int8, check the copy, checksum it.

Fine-tuning uses sentence-transformers' CrossEncoder and its `old_fit` loop: the newer CrossEncoderTrainer needs
`datasets` and `accelerate` (pyarrow, pandas: ~150 MB) for what is one pass of binary cross-entropy over a list.
The base is the all-MiniLM-L6-v2 bi-encoder the embedder ships (Apache-2.0): its BERT body gets a fresh one-logit
head, and everything is trained on CPU.
"""

from __future__ import annotations

import hashlib
import logging
import random
import shutil
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from assistant.reader import MAX_TOKENS, Reader
from assistant.training.examples import Example
from index.query_encoder import root_logger_kept

log = logging.getLogger(__name__)

_BASE_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json", "vocab.txt",
               "special_tokens_map.json")  # fmt: skip
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def train(
    examples: Sequence[Example], base_dir: Path, out_dir: Path, seed: int = 13, epochs: int = 2, batch: int = 32
) -> Path:
    """The fine-tuned model as a transformers folder in `out_dir`. Only the transformer's own files are copied from
    `base_dir`: with its sentence-transformers module list beside them it would load as a bi-encoder again."""
    import torch
    from sentence_transformers import InputExample
    from sentence_transformers.cross_encoder import CrossEncoder
    from torch.utils.data import DataLoader

    random.seed(seed)
    torch.manual_seed(seed)
    base = Path(tempfile.mkdtemp(prefix="reader-base-"))
    try:
        for name in _BASE_FILES:
            if (base_dir / name).is_file():
                shutil.copy(base_dir / name, base / name)
        model = CrossEncoder(str(base), num_labels=1, max_length=MAX_TOKENS)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    rows = [InputExample(texts=[e.question, e.sentence], label=e.label) for e in examples]
    loader = DataLoader(rows, batch_size=batch, shuffle=True, generator=torch.Generator().manual_seed(seed))
    steps = epochs * len(loader)
    model.old_fit(loader, epochs=epochs, warmup_steps=max(1, steps // 10), optimizer_params={"lr": 3e-5})
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(out_dir))
    return out_dir


def export_int8(model_dir: Path, target: Path) -> Path:
    """`target`: the int8 ONNX file (weights per channel, activations dynamic), beside the tokenizer it reads."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(str(model_dir)).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    sample = tokenizer(["a question?", "and another, longer question?"], ["one sentence.", "a second one, padded"],
                       padding=True, return_tensors="pt")  # fmt: skip
    args = tuple(sample[name] for name in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS} | {"logits": {0: "batch"}}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, root_logger_kept(), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = Path(work) / "float.onnx"
        torch.onnx.export(model, args, str(full), input_names=list(_INPUTS), output_names=["logits"],
                          dynamic_axes=axes, opset_version=17, dynamo=False)  # fmt: skip
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(full, target, per_channel=True, weight_type=QuantType.QInt8)
        finally:
            logging.disable(logging.NOTSET)
    shutil.copy(model_dir / "tokenizer.json", target.parent / "tokenizer.json")
    return target


def precision_at_1(score, examples: Sequence[Example]) -> float:
    """Over the questions with a positive: the share whose best-scored sentence is one. `score(question, sentences)`
    is any scorer (the reader, or the bi-encoder as the baseline)."""
    grouped: dict[str, list[Example]] = defaultdict(list)
    for example in examples:
        grouped[example.source].append(example)
    hits = []
    for group in grouped.values():
        if not any(e.label for e in group):
            continue
        values = score(group[0].question, [e.sentence for e in group])
        hits.append(group[max(range(len(group)), key=values.__getitem__)].label > 0)
    return sum(hits) / max(1, len(hits))


def agreement(reader: Reader, model_dir: Path, examples: Sequence[Example]) -> float:
    """The largest gap in probability between the int8 file and the float model on these examples."""
    from sentence_transformers.cross_encoder import CrossEncoder

    full = CrossEncoder(str(model_dir), max_length=MAX_TOKENS)
    theirs = full.predict([[e.question, e.sentence] for e in examples], show_progress_bar=False)
    ours = [reader.scores(e.question, [e.sentence])[0] for e in examples]
    return float(max(abs(a - b) for a, b in zip(ours, theirs, strict=True)))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
