"""The trained reader: a cross-encoder that scores how well one sentence answers one question (issue 26).

Fine-tuned here from the shipped all-MiniLM-L6-v2 weights (`make reader`, see data/reader/MODEL_CARD.md) and shipped
as an int8 ONNX file, so answering needs only onnxruntime and the tokenizer: no torch, no hub. The bi-encoder embeds
question and sentence apart and cannot see that "cost 300 million dollars" answers "what will it cost" while "the
new tram line" only names the subject; the cross-encoder reads the two together. Its file is checked against its
sha256 before use; without the file the answerer falls back to its heuristics and says so in the log.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedding import model_inputs, verify_file

log = logging.getLogger(__name__)

# The shipped file's (data/reader/MODEL_CARD.md). Empty: the file is checked against the sha256 `make reader` recorded
# beside it (training.json), for a rebuilt reader not yet recorded here.
READER_SHA256 = "f60c1eff3ee0727d9b4630574889afd54e0f5df0cd7db2f87385f2072a7dea8e"
READER_WEIGHT = 0.0  # its share of sentence ranking: measured no gain on the test split (docs/quality.md), so off
READER_MIN_EVIDENCE = 0.0  # 0: abstain on the heuristic score; the probabilities do not separate yet (docs)
# Its share of a multiple-choice pick ("question + option" against the sentences naming the option): chosen on the
# April dev questions, then scored once on the test split, where it gained (docs/quality.md, third round).
READER_OPTION_WEIGHT = 0.5
MAX_TOKENS = 192  # question + sentence; longer sentences are cut by `max_quote_chars` before they get here


class Reader:
    def __init__(self, onnx_path: Path, tokenizer_json: Path, max_tokens: int = MAX_TOKENS):
        import onnxruntime
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = min(2, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "1")
        options.add_session_config_entry("session.force_spinning_stop", "1")
        self._session = onnxruntime.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_json))
        self._tokenizer.enable_truncation(max_tokens, strategy="only_second")
        self.name = onnx_path.name

    def scores(self, question: str, sentences: Sequence[str]) -> list[float]:
        """The probability that each sentence answers the question, in the order given."""
        return self.pair_scores([(question, s) for s in sentences])

    def pair_scores(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """The same for (question, sentence) pairs of several questions.

        Each pair is run on its own. The int8 model quantizes its activations on each run's own range, padding
        included, so in a shared batch a pair's probability moved with its companions (by up to 0.012): the same
        question picked another option depending on what else was read with it, and the test split's MC differed by 4
        picks between two runs of one code. Alone, a pair's probability is its own, and no slower: padding to the
        longest pair cost what batching saved (24 sample pairs: 235 ms in one batch, 218 ms one by one).
        """
        return [self._run(pair) for pair in pairs]

    def _run(self, pair: tuple[str, str]) -> float:
        feed = model_inputs([self._tokenizer.encode(*pair)])
        logits = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
        return float(1.0 / (1.0 + np.exp(-logits.reshape(-1)[0])))


def load_reader(onnx_path: Path, sha256: str) -> Reader | None:
    """None when the file is absent or fails its checksum: answers then come from the heuristics alone (degraded:
    measured in docs/quality.md), and the log says so once."""
    if not onnx_path.is_file():
        log.warning("reader: %s is missing; answering without the trained reader (run `make reader`)", onnx_path)
        return None
    recorded = onnx_path.parent / "training.json"
    if not sha256 and recorded.is_file():
        sha256 = json.loads(recorded.read_text(encoding="utf-8")).get("sha256", "")
    if sha256:
        verify_file(onnx_path, sha256, "NEWSDESK_READER_SHA256")
    tokenizer = onnx_path.parent / "tokenizer.json"
    return Reader(onnx_path, tokenizer)
