"""Dense retrieval of passages for a question (hybrid BM25 fusion is a later step)."""

from __future__ import annotations

from datetime import date

from index.embedding import Embedder
from index.store import ChunkStore, Hit


class Retriever:
    def __init__(self, store: ChunkStore, embedder: Embedder, top_k: int):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k

    def retrieve(self, question: str, k: int | None = None, as_of: date | None = None) -> list[Hit]:
        """`as_of` keeps only articles published on or before that day (undated articles are kept)."""
        where = None
        if as_of is not None:
            where = {"published_day": {"$lte": int(as_of.strftime("%Y%m%d"))}}
        return self.store.query(self.embedder.embed_query(question), k or self.top_k, where)
