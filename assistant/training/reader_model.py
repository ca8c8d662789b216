"""Training the reader and shipping it: fine-tune, export to ONNX, quantize to int8, check the copy, checksum it.

The base is the all-MiniLM-L6-v2 bi-encoder the embedder ships (Apache-2.0): its BERT body reads the pair and gets a
fresh one-logit head over its mean-pooled tokens (`PairScorer` says why not CrossEncoder), all trained on CPU.
"""

from __future__ import annotations

import hashlib
import logging
import math
import random
import shutil
import tempfile
import warnings
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

import torch

from assistant.reader import MAX_TOKENS, Reader
from assistant.training.examples import Example
from index.query_encoder import root_logger_kept

log = logging.getLogger(__name__)

_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


class PairScorer(torch.nn.Module):
    """The MiniLM body reading question and sentence as one pair, its tokens mean-pooled (as the bi-encoder was
    trained to pool), and one logit. Not sentence-transformers' CrossEncoder: that scores the [CLS] token through
    BERT's pooler, which this mean-pooled model never trained; measured here, its loss stayed at the label prior
    (0.56) over 300 steps at 3e-5 and over 60 at 1e-4, and it scored every sentence 0.116."""

    def __init__(self, body: torch.nn.Module) -> None:
        super().__init__()
        self.body = body
        self.head = torch.nn.Linear(body.config.hidden_size, 1)

    def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201 - tensors, also traced
        tokens = self.body(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        mask = attention_mask.unsqueeze(-1).to(tokens.last_hidden_state.dtype)
        pooled = (tokens.last_hidden_state * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return self.head(pooled)


def train(
    examples: Sequence[Example], base_dir: Path, out_dir: Path, seed: int = 13, epochs: int = 1, batch: int = 16
) -> Path:
    """The fine-tuned scorer's weights (`scorer.pt`) and tokenizer in `out_dir`. A plain loop: binary cross-entropy,
    AdamW, linear warm-up and decay; the fresh head learns faster than the body it sits on."""
    from transformers import AutoModel, AutoTokenizer, get_linear_schedule_with_warmup

    rng = random.Random(seed)
    torch.manual_seed(seed)
    tokenizer = AutoTokenizer.from_pretrained(str(base_dir))
    scorer = PairScorer(AutoModel.from_pretrained(str(base_dir)))
    optimizer = torch.optim.AdamW(
        [{"params": scorer.body.parameters(), "lr": 5e-5}, {"params": scorer.head.parameters(), "lr": 1e-3}],
        weight_decay=0.01,
    )
    rows = list(examples)
    steps = epochs * (len(rows) + batch - 1) // batch
    schedule = get_linear_schedule_with_warmup(optimizer, max(1, steps // 10), steps)
    loss_of = torch.nn.BCEWithLogitsLoss()
    scorer.train()
    done = 0
    for _ in range(epochs):
        for part in _batches(rows, batch, rng):
            feed = tokenizer([e.question for e in part], [e.sentence for e in part], padding=True,
                             truncation="only_second", max_length=MAX_TOKENS, return_tensors="pt")  # fmt: skip
            logits = scorer(feed["input_ids"], feed["attention_mask"], feed["token_type_ids"]).view(-1)
            loss = loss_of(logits, torch.tensor([e.label for e in part]))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(scorer.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            done += 1
            if done % 50 == 0:
                log.warning("reader: step %d/%d, loss %.3f", done, steps, loss.item())
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save(scorer.state_dict(), out_dir / "scorer.pt")
    tokenizer.save_pretrained(str(out_dir))
    scorer.body.config.save_pretrained(str(out_dir))
    return out_dir


def _batches(rows: list[Example], batch: int, rng: random.Random, pool: int = 64) -> list[list[Example]]:
    """Shuffled batches of similar length: rows are sorted by length within pools of `pool` batches, so a batch pads
    to its own longest pair, not to the longest of a random mix (padding is work a 2-core step cannot spare)."""
    rng.shuffle(rows)
    batches = []
    for at in range(0, len(rows), batch * pool):
        ordered = sorted(rows[at : at + batch * pool], key=lambda e: len(e.question) + len(e.sentence))
        batches += [ordered[i : i + batch] for i in range(0, len(ordered), batch)]
    rng.shuffle(batches)
    return batches


def load_scorer(model_dir: Path) -> PairScorer:
    from transformers import AutoConfig, AutoModel

    scorer = PairScorer(AutoModel.from_config(AutoConfig.from_pretrained(str(model_dir))))
    scorer.load_state_dict(torch.load(model_dir / "scorer.pt"))
    return scorer.eval()


def export_int8(model_dir: Path, target: Path) -> Path:
    """`target`: the int8 ONNX file (weights per channel, activations dynamic), beside the tokenizer it reads."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoTokenizer

    scorer = load_scorer(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    sample = tokenizer(["a question?", "and another, longer question?"], ["one sentence.", "a second one, padded"],
                       padding=True, return_tensors="pt")  # fmt: skip
    args = tuple(sample[name] for name in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS} | {"logits": {0: "batch"}}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, root_logger_kept(), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = Path(work) / "float.onnx"
        torch.onnx.export(scorer, args, str(full), input_names=list(_INPUTS), output_names=["logits"],
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
        values = [0.0] * len(group)  # a multiple-choice group holds one question per option: each scored as asked
        for asked in {e.question for e in group}:
            at = [i for i, e in enumerate(group) if e.question == asked]
            for i, value in zip(at, score(asked, [group[i].sentence for i in at]), strict=True):
                values[i] = value
        hits.append(group[max(range(len(group)), key=values.__getitem__)].label > 0)
    return sum(hits) / max(1, len(hits))


def agreement(reader: Reader, model_dir: Path, examples: Sequence[Example]) -> float:
    """The largest gap in probability between the int8 file and the float model on these examples."""
    from transformers import AutoTokenizer

    scorer, tokenizer = load_scorer(model_dir), AutoTokenizer.from_pretrained(str(model_dir))
    theirs = []
    with torch.no_grad():
        for e in examples:
            feed = tokenizer([e.question], [e.sentence], truncation="only_second", max_length=MAX_TOKENS,
                             return_tensors="pt")  # fmt: skip
            logit = scorer(feed["input_ids"], feed["attention_mask"], feed["token_type_ids"]).item()
            theirs.append(1.0 / (1.0 + math.exp(-logit)))
    ours = [reader.scores(e.question, [e.sentence])[0] for e in examples]
    return float(max(abs(a - b) for a, b in zip(ours, theirs, strict=True)))


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
