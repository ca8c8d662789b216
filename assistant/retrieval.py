"""Hybrid retrieval: dense (Chroma) and BM25 rankings over-fetched, fused by reciprocal rank, then cut to top_k.

Fusion is by rank, not score: cosine and BM25 scores live on different scales. Written here in a few lines because
llama-index's QueryFusionRetriever wants its own node objects and retrievers for both sides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from index.embedding import Embedder
from index.lexical import LexicalIndex
from index.store import ChunkStore, Hit

RRF_K = 60  # the usual damping constant of reciprocal rank fusion (Cormack et al. 2009)
OVER_FETCH = 4  # each side returns 4× what is kept, so agreement lower down can still lift a passage


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


class Retriever:
    def __init__(self, store: ChunkStore, embedder: Embedder, top_k: int, lexical: LexicalIndex | None = None):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.lexical = lexical

    def retrieve(self, question: str, k: int | None = None, as_of: date | None = None) -> list[Hit]:
        """`as_of` keeps only articles published on or before that day (undated articles are kept)."""
        k = k or self.top_k
        day = int(as_of.strftime("%Y%m%d")) if as_of is not None else None
        where = {"published_day": {"$lte": day}} if day is not None else None
        if self.lexical is None:
            return self.store.query(self.embedder.embed_query(question), k, where)
        dense = self.store.query(self.embedder.embed_query(question), k * OVER_FETCH, where)
        self.lexical.ensure_current(self.store)
        lexical = self.lexical.search(question, k * OVER_FETCH, day)
        fused = fuse([[h.chunk_id for h in dense], [chunk_id for chunk_id, _ in lexical]])
        best = fused[0][1] if fused else 1.0
        known = {h.chunk_id: h for h in dense}
        missing = [chunk_id for chunk_id, _ in fused[: k * OVER_FETCH] if chunk_id not in known]
        known |= {h.chunk_id: h for h in self.store.get_hits(missing, [0.0] * len(missing))}
        kept: list[Hit] = []
        story_owner: dict[str, str] = {}  # story cluster → the one article that speaks for it
        for chunk_id, score in fused:
            hit = known.get(chunk_id)
            if hit is None:
                continue
            story = self.lexical.story_of(chunk_id, hit.article_id)
            if story_owner.setdefault(story, hit.article_id) != hit.article_id:
                continue  # a syndicated copy of a story already in the context
            kept.append(replace(hit, score=score / best))
            if len(kept) == k:
                break
        return kept
