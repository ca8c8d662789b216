"""Hybrid retrieval: BM25 and dense (Chroma) rankings over-fetched, fused by reciprocal rank, then cut to top_k.

Fusion is by rank, not score: cosine and BM25 scores live on different scales. Written here in a few lines because
llama-index's QueryFusionRetriever wants its own node objects and retrievers for both sides.

Measured on RealTimeQA (docs/quality.md): the dense side ranks articles (one entry each), BM25 ranks chunks and wins
ties, and no article fills more than two of the kept places. With one vector per article ("lead" scope) a chunk
ranking would be runs of ties; with per-chunk vectors it would spend the list on one article's chunks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from index.embedding import Embedder
from index.lexical import LexicalIndex
from index.store import ChunkStore, Hit, day_number

RRF_K = 60  # the usual damping constant of reciprocal rank fusion (Cormack et al. 2009)
OVER_FETCH = 4  # each side returns 4× what is kept, so agreement lower down can still lift a passage
PER_ARTICLE = 2  # passages one article may hold in the result: distinct evidence beats a third chunk of one story


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


class Retriever:
    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        top_k: int,
        lexical: LexicalIndex | None = None,
        lead_vectors: bool = False,
    ):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.lexical = lexical
        self.lead_vectors = lead_vectors  # one vector per article, shared by its chunks (dense_scope "lead")

    def dense_articles(self, question: str, n: int, where: dict | None) -> list[Hit]:
        """The n best articles by dense similarity, each by one chunk (its first, when chunks share a vector)."""
        vector = self.embedder.embed_query(question)
        if self.lead_vectors:
            first = {"chunk_index": 0}
            return self.store.query(vector, n, {"$and": [where, first]} if where else first)
        seen: set[str] = set()
        found = []
        for hit in self.store.query(vector, n * OVER_FETCH, where):
            if hit.article_id not in seen:
                seen.add(hit.article_id)
                found.append(hit)
        return found[:n]

    def lexical_hits(self, query: str, k: int, as_of: date | None = None) -> list[Hit]:
        """BM25 alone, with its raw scores (comparable between queries on one index); empty without a BM25 index."""
        if self.lexical is None:
            return []
        self.lexical.ensure_current(self.store)
        found = self.lexical.search(query, k, day_number(as_of) if as_of is not None else None)
        return self.store.get_hits([chunk_id for chunk_id, _ in found], [score for _, score in found])

    def retrieve(self, question: str, k: int | None = None, as_of: date | None = None) -> list[Hit]:
        """`as_of` keeps only articles published on or before that day (undated articles are kept)."""
        k = k or self.top_k
        day = day_number(as_of) if as_of is not None else None
        where = {"published_day": {"$lte": day}} if day is not None else None
        if self.lexical is None:
            return self.store.query(self.embedder.embed_query(question), k, where)
        dense = self.dense_articles(question, k * OVER_FETCH, where)
        self.lexical.ensure_current(self.store)
        lexical = self.lexical.search(question, k * OVER_FETCH, day)
        fused = fuse([[chunk_id for chunk_id, _ in lexical], [h.chunk_id for h in dense]])  # first list wins ties
        known = {h.chunk_id: h for h in dense}
        missing = [chunk_id for chunk_id, _ in fused[: k * OVER_FETCH] if chunk_id not in known]
        known |= {h.chunk_id: h for h in self.store.get_hits(missing, [0.0] * len(missing))}
        return self._cut(fused, known, k)

    def merge(self, rankings: Sequence[Sequence[Hit]], k: int) -> list[Hit]:
        """Several searches' passages fused into one list, cut as `retrieve` cuts (the first ranking wins ties)."""
        fused = fuse([[h.chunk_id for h in ranking] for ranking in rankings])
        return self._cut(fused, {h.chunk_id: h for ranking in rankings for h in ranking}, k)

    def _cut(self, fused: Sequence[tuple[str, float]], known: dict[str, Hit], k: int) -> list[Hit]:
        """The best k passages, one article per story cluster and at most PER_ARTICLE passages per article."""
        best = fused[0][1] if fused else 1.0
        kept: list[Hit] = []
        story_owner: dict[str, str] = {}  # story cluster → the one article that speaks for it
        per_article: dict[str, int] = {}
        for chunk_id, score in fused:
            hit = known.get(chunk_id)
            if hit is None:
                continue
            story = self.lexical.story_of(chunk_id, hit.article_id) if self.lexical else hit.article_id
            if story_owner.setdefault(story, hit.article_id) != hit.article_id:
                continue  # a syndicated copy of a story already in the context
            if per_article.get(hit.article_id, 0) == PER_ARTICLE:
                continue
            per_article[hit.article_id] = per_article.get(hit.article_id, 0) + 1
            kept.append(replace(hit, score=score / best))
            if len(kept) == k:
                break
        return kept
