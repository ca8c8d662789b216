"""Vectors of short texts kept between calls: an answer embeds the same sentences more than once.

One multiple-choice question embedded its question and its best sentences three times: to rank the answer's
sentences, to compare "question + option" with them, and to compare the sentences naming each option with the
question. The focus check embeds the passages' words, most of which recur in every question's passages. Kept here,
each text is embedded once: `bench/query.py` multiple choice with the reader p50 351.8 → 277.3 ms, the same picks and
answers (docs/quality.md). Words are kept apart from sentences (two instances), so a benchmark can forget a question's
sentences and keep the words, as a server asked new questions would. A kept vector is the one the text got when first
embedded; embedded again in another batch it would differ by ~1e-7, the float32 model's rounding.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

KEPT_TEXTS = 50_000  # ~77 MB at 384 float32s each for sentences and for words; the least recently used go first


class KeptVectors:
    """Thread-safe: answers run on several threads (`answer_workers`) and share one embedder."""

    def __init__(self, embed: Callable[[list[str]], np.ndarray], limit: int = KEPT_TEXTS):
        self._embed = embed
        self.limit = limit
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vectors)

    def clear(self) -> None:
        """For a benchmark that times each question as if nothing were kept from the ones before it."""
        with self._lock:
            self._vectors.clear()

    def matrix(self, texts: Sequence[str]) -> np.ndarray:
        """One row per text, in the order given; only texts not kept are embedded (in one call, outside the lock, so
        answers on other threads are not held up: two threads may embed one text, and the first vector stays)."""
        if not texts:
            return np.empty((0, 0), dtype=np.float32)
        unique = list(dict.fromkeys(texts))
        with self._lock:
            rows = {t: self._vectors[t] for t in unique if t in self._vectors}
            for text in rows:
                self._vectors.move_to_end(text)
        new = [t for t in unique if t not in rows]
        if new:
            fresh = np.asarray(self._embed(new), dtype=np.float32)
            with self._lock:
                for text, vector in zip(new, fresh, strict=True):
                    rows[text] = self._vectors.setdefault(text, vector)
                    self._vectors.move_to_end(text)
                while len(self._vectors) > self.limit:
                    self._vectors.popitem(last=False)
        return np.stack([rows[t] for t in texts])
