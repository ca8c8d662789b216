"""BM25 over every stored chunk (bm25s), saved beside the store and rebuilt from it, so the two never drift.

Chroma is the source of truth: the lexical index is derived from its documents, never written on its own. An ingest
marks it stale first and rebuilds it last; a run killed in between leaves the mark, and the next open rebuilds.
A count check catches writes by other processes (server mode) the same way.
"""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from index.english import glued_words, snowball, split_glued, stopwords
from index.near_duplicates import cluster_articles
from index.passages import Passages, write_passages
from index.store import ChunkStore, Hit, day_number

STALE_MARK = "STALE"
_META = "newsdesk.json"
# What the indexed text holds; an index saved with another version is rebuilt once from the store. 2: the parts of
# glued words ("BidenXi" → Biden, Xi) are indexed beside them.
TEXT_VERSION = 2
# A glued word in more articles than this is a name ("TikTok": 958 of the 7,587 RealTimeQA 2023 articles), not a page
# that lost a space; its parts would only lengthen those chunks. Splitting every one cost the H1 chat path 2 R@1.
_GLUED_ARTICLES = 2


class LexicalIndex:
    def __init__(self, folder: Path):
        self.folder = folder
        self._bm25 = None
        self._ids: list[str] = []
        self._days = np.zeros(0, dtype=np.int32)
        self._clusters: dict[str, str] = {}  # chunk id → story cluster (see near_duplicates)
        # The chunks' texts and articles, so retrieval ranks ids and reads passages without asking Chroma.
        self._passages: Passages | None = None
        self._guard = threading.Lock()

    @property
    def size(self) -> int:
        return len(self._ids)

    @property
    def chunk_ids(self) -> list[str]:
        return list(self._ids)

    def is_stale(self) -> bool:
        return (self.folder / STALE_MARK).exists()

    def story_of(self, chunk_id: str, article_id: str) -> str:
        """The story cluster of a chunk; a chunk newer than the index is its own article's story."""
        return self._clusters.get(chunk_id, article_id)

    def article_of(self, chunk_id: str) -> str | None:
        return self._passages.article_of(chunk_id) if self._passages is not None else None

    def passages(self, ids: Sequence[str], scores: Sequence[float]) -> dict[str, Hit]:
        """The chunks this index's record holds (see index/passages.py); an index saved before it holds none."""
        return self._passages.hits(ids, scores) if self._passages is not None else {}

    def mark_stale(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / STALE_MARK).touch()

    def clear_stale(self) -> None:
        """For a writer that marked the index stale and then wrote nothing: what is saved still matches the store."""
        (self.folder / STALE_MARK).unlink(missing_ok=True)

    def ensure_current(self, store: ChunkStore) -> None:
        """Load the saved index, or rebuild it when it is stale, missing or holds another number of chunks."""
        with self._guard:
            count = store.count()
            if self._bm25 is not None and self.size == count and not (self.folder / STALE_MARK).exists():
                return
            if not (self.folder / STALE_MARK).exists() and self._load() and self.size == count:
                return
            self._rebuild(store)

    def rebuild(self, store: ChunkStore) -> None:
        with self._guard:
            self._rebuild(store)

    def _rebuild(self, store: ChunkStore) -> None:
        import bm25s

        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / STALE_MARK).touch()
        passages = list(store.iter_passages())
        ids = [hit.chunk_id for hit in passages]
        texts = [f"{hit.title}\n{hit.text}" for hit in passages]  # the headline with every chunk
        days = [day_number(hit.published) if hit.published else 0 for hit in passages]
        owners = [hit.article_id for hit in passages]
        bodies: dict[str, list[str]] = {}
        for text, article_id in zip(texts, owners, strict=True):
            bodies.setdefault(article_id, []).append(text)
        story = cluster_articles((a, " ".join(sorted(parts))) for a, parts in sorted(bodies.items()))
        clusters = [story[a] for a in owners]
        bm25 = None
        if texts:
            bm25 = bm25s.BM25()
            glued = [glued_words(text) for text in texts]  # each chunk scanned once
            lost = lost_spaces(zip(owners, glued, strict=True))
            indexed = [
                _with_parts(text, [w for w in words if w in lost]) for text, words in zip(texts, glued, strict=True)
            ]
            bm25.index(bm25s.tokenize(indexed, stemmer=snowball().stemWords, show_progress=False), show_progress=False)
            partial = self.folder.with_name(self.folder.name + ".partial")
            shutil.rmtree(partial, ignore_errors=True)
            bm25.save(str(partial), show_progress=False)
            meta = {"ids": ids, "days": days, "clusters": clusters, "text_version": TEXT_VERSION}
            (partial / _META).write_text(json.dumps(meta), encoding="utf-8")
            write_passages(partial, passages)
            shutil.rmtree(self.folder / "bm25", ignore_errors=True)
            partial.rename(self.folder / "bm25")
        self._bm25, self._ids, self._days = bm25, ids, np.asarray(days, dtype=np.int32)
        self._clusters = dict(zip(ids, clusters, strict=True))
        self._passages = Passages.load(self.folder / "bm25", ids) if texts else None
        self.clear_stale()

    def _load(self) -> bool:
        import bm25s

        saved = self.folder / "bm25"
        if not (saved / _META).exists():
            return False
        meta = json.loads((saved / _META).read_text(encoding="utf-8"))
        if meta.get("text_version", 1) != TEXT_VERSION:
            return False
        passages = Passages.load(saved, meta["ids"])
        if passages is None:  # saved before it held the passages (and, earlier still, story clusters): rebuild
            return False
        self._bm25 = bm25s.BM25.load(str(saved), show_progress=False)
        self._ids, self._days = meta["ids"], np.asarray(meta["days"], dtype=np.int32)
        self._clusters = dict(zip(meta["ids"], meta["clusters"], strict=True))
        self._passages = passages
        return True

    def search(self, query: str, k: int, as_of_day: int | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; `as_of_day` (yyyymmdd) drops later chunks, undated ones stay."""
        import bm25s

        if self._bm25 is None or not self._ids:
            return []
        # NLTK's English stopwords dropped from the question only (the index keeps them, so no rebuild): "did",
        # "what", "about" matched short chunks of any text. H1, BM25 alone, full year: R@5 81.3 → 82.6, R@10
        # 85.2 → 86.9; bm25s's own 33-word list gave 82.2 / 86.0.
        tokens = bm25s.tokenize([query], stemmer=snowball().stemWords, stopwords=stopwords(), show_progress=False)
        if not tokens.vocab:
            return []
        mask = None
        if as_of_day is not None:
            mask = ((self._days <= as_of_day) | (self._days == 0)).astype(np.float32)
        docs, scores = self._bm25.retrieve(
            tokens,
            k=min(k, len(self._ids)),
            show_progress=False,
            weight_mask=mask,
            n_threads=0,  # 0: no thread pool
        )
        return [(self._ids[d], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]


def lost_spaces(glued: Iterable[tuple[str, Sequence[str]]]) -> set[str]:
    """The glued words, given as (article id, a chunk's glued words), that few articles hold: where a page lost a
    space, not a name."""
    articles: dict[str, set[str]] = {}
    for article_id, words in glued:
        for word in words:
            articles.setdefault(word, set()).add(article_id)
    return {word for word, holders in articles.items() if len(holders) <= _GLUED_ARTICLES}


def _with_parts(text: str, lost: Sequence[str]) -> str:
    """A chunk as BM25 indexes it: with the parts of the words a scraped page glued together, so "Joe BidenXi
    Jinping said" is found by a question about Biden."""
    parts = [part for word in lost for part in split_glued(word)]
    return f"{text}\n{' '.join(parts)}" if parts else text
