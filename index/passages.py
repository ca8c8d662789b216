"""Every stored chunk's text and citation facts in files beside the BM25 index, read through a memory map.

Chroma takes ~0.8–1 ms to return a question's six passages, nearly all of it a fixed cost of its `get`; read from
here they take microseconds. The record is written in the pass that rebuilds BM25 from the store, so it is exactly as
current as BM25's ids; a chunk newer than it is still read from Chroma.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np

from index.store import Hit

_TEXTS = "passages.txt"  # every chunk's text, UTF-8, one after another
_ROWS = "passages.npz"  # per chunk: byte offsets into the texts, span in its article, row in the articles table
_ARTICLES = "passages.json"  # per article: id, title, url, publication date (ISO or "")


def write_passages(folder: Path, hits: Sequence[Hit]) -> None:
    """Rows in the order of `hits`; `Passages.load` is given the chunk ids in that same order."""
    articles: dict[str, int] = {}
    table: list[list[str]] = []
    encoded = [hit.text.encode("utf-8") for hit in hits]
    for hit in hits:
        if hit.article_id not in articles:
            articles[hit.article_id] = len(table)
            table.append([hit.article_id, hit.title, hit.url, hit.published.isoformat() if hit.published else ""])
    (folder / _TEXTS).write_bytes(b"".join(encoded))
    np.savez(
        folder / _ROWS,
        offsets=np.cumsum([0, *map(len, encoded)], dtype=np.int64),
        spans=np.asarray([(hit.start, hit.end) for hit in hits], dtype=np.int64).reshape(-1, 2),
        articles=np.asarray([articles[hit.article_id] for hit in hits], dtype=np.int32),
    )
    (folder / _ARTICLES).write_text(json.dumps(table), encoding="utf-8")


class Passages:
    def __init__(self, ids: Sequence[str], texts: mmap.mmap | bytes, rows: dict[str, np.ndarray], table: list[list]):
        self._row = {chunk_id: number for number, chunk_id in enumerate(ids)}
        self._texts = texts
        self._offsets = rows["offsets"].tolist()  # Python ints: indexing a numpy array per hit costs more than this
        self._spans = rows["spans"].tolist()
        self._articles = rows["articles"].tolist()
        self._table = [(a, t, u, date.fromisoformat(p) if p else None) for a, t, u, p in table]

    @classmethod
    def load(cls, folder: Path, ids: Sequence[str]) -> Passages | None:
        """None when the record is missing or holds another number of chunks (an index saved before it existed)."""
        if not all((folder / name).exists() for name in (_TEXTS, _ROWS, _ARTICLES)):
            return None
        with np.load(folder / _ROWS) as saved:
            rows = {name: saved[name] for name in saved.files}
        if len(rows["articles"]) != len(ids):
            return None
        with open(folder / _TEXTS, "rb") as file:
            texts = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) if rows["offsets"][-1] else b""
        return cls(ids, texts, rows, json.loads((folder / _ARTICLES).read_text(encoding="utf-8")))

    def article_of(self, chunk_id: str) -> str | None:
        row = self._row.get(chunk_id)
        return self._table[self._articles[row]][0] if row is not None else None

    def hits(self, ids: Sequence[str], scores: Sequence[float]) -> dict[str, Hit]:
        """The chunks this record holds, by id, each with the caller's score; ids it lacks are left out."""
        found = {}
        for chunk_id, score in zip(ids, scores, strict=True):
            row = self._row.get(chunk_id)
            if row is None:
                continue
            article_id, title, url, published = self._table[self._articles[row]]
            start, end = self._spans[row]
            text = self._texts[self._offsets[row] : self._offsets[row + 1]].decode("utf-8")
            found[chunk_id] = Hit(chunk_id, article_id, title, url, published, start, end, text, score)
        return found
