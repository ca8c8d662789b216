"""Hybrid retrieval: BM25 and dense (Chroma) searches over-fetched, their scores combined, then cut to top_k.

Each side's scores are scaled to 0..1 over its own list and added with weights (a convex combination: Bruch et al.,
"An Analysis of Fusion Functions for Hybrid Retrieval", found it beats reciprocal rank fusion once the weight is set).
Measured on RealTimeQA H1 over the full year (docs/quality.md), question-only retrieval went from R@1/5/10
61.2 / 77.5 / 82.8 with reciprocal rank fusion of the same two lists to 66.4 / 80.3 / 83.3. Rankings of different
queries (a multiple-choice question's option searches) are still fused by rank: their scores share no scale.
llama-index's QueryFusionRetriever has this as its "relative_score" mode; written here in a few lines because it
wants its own node objects and retrievers for both sides.

The dense side ranks articles (one chunk each) and no article fills more than two of the kept places: with one
vector per article ("lead" scope) a chunk ranking would be runs of ties; with per-chunk vectors it would spend the
list on one article's chunks.
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
# BM25's share of the combined score, the default of NEWSDESK_LEXICAL_WEIGHT. Replayed on H1 (docs/quality.md):
# 0.6–0.8 within a question of each other at R@5 in both quarters; 0.5 or less loses 1.5–2 points.
LEXICAL_WEIGHT = 0.6


def fuse(rankings: Sequence[Sequence[str]], k: int = RRF_K) -> list[tuple[str, float]]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, chunk_id in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


def _min_max(scored: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Scores mapped onto 0..1 within one list (all 1.0 when they are equal)."""
    if not scored:
        return {}
    low, high = min(s for _, s in scored), max(s for _, s in scored)
    return {key: (s - low) / (high - low) if high > low else 1.0 for key, s in scored}


def combine(
    lexical: Sequence[tuple[str, float]], dense: Sequence[tuple[str, float]], lexical_weight: float = LEXICAL_WEIGHT
) -> list[tuple[str, float]]:
    """(chunk id, combined score), best first; a chunk missing from one side gets nothing from it."""
    words, meaning = _min_max(lexical), _min_max(dense)
    scores = {
        chunk_id: lexical_weight * words.get(chunk_id, 0.0) + (1 - lexical_weight) * meaning.get(chunk_id, 0.0)
        for chunk_id in [*words, *meaning]
    }
    return sorted(scores.items(), key=lambda item: item[1], reverse=True)


class Retriever:
    def __init__(
        self,
        store: ChunkStore,
        embedder: Embedder,
        top_k: int,
        lexical: LexicalIndex | None = None,
        lead_vectors: bool = False,
        lexical_weight: float = LEXICAL_WEIGHT,
    ):
        self.store = store
        self.embedder = embedder
        self.top_k = top_k
        self.lexical = lexical
        self.lead_vectors = lead_vectors  # one vector per article, shared by its chunks (dense_scope "lead")
        self.lexical_weight = lexical_weight

    def dense_articles(self, question: str, n: int, where: dict | None) -> list[tuple[str, float]]:
        """(chunk id, similarity) of the n best articles, one chunk each (the first, when chunks share a vector).
        No metadata: Chroma's metadata read would be most of the query's time."""
        vector = self.embedder.embed_query(question)
        if self.lead_vectors:
            first = {"chunk_index": 0}
            return self.store.query_scores(vector, n, {"$and": [where, first]} if where else first)
        ranked = self.store.query_scores(vector, n * OVER_FETCH, where)
        owners = self._articles([chunk_id for chunk_id, _ in ranked])
        seen: set[str] = set()
        found = []
        for chunk_id, score in ranked:
            article_id = owners.get(chunk_id, chunk_id)
            if article_id not in seen:
                seen.add(article_id)
                found.append((chunk_id, score))
        return found[:n]

    def lexical_hits(self, query: str, k: int, as_of: date | None = None) -> list[Hit]:
        """BM25 alone, with its raw scores (comparable between queries on one index); empty without a BM25 index."""
        if self.lexical is None:
            return []
        self.lexical.ensure_current(self.store)
        return self._hits(self.lexical.search(query, k, day_number(as_of) if as_of is not None else None))

    def retrieve(self, question: str, k: int | None = None, as_of: date | None = None) -> list[Hit]:
        """`as_of` keeps only articles published on or before that day (undated articles are kept)."""
        k = k or self.top_k
        day = day_number(as_of) if as_of is not None else None
        where = {"published_day": {"$lte": day}} if day is not None else None
        if self.lexical is None:
            return self.store.query(self.embedder.embed_query(question), k, where)
        self.lexical.ensure_current(self.store)
        dense = self.dense_articles(question, k * OVER_FETCH, where)
        lexical = self.lexical.search(question, k * OVER_FETCH, day)
        combined = combine(lexical, dense, self.lexical_weight)
        return self._hits(self._cut(combined, self._articles([chunk_id for chunk_id, _ in combined]), k))

    def merge(self, rankings: Sequence[Sequence[Hit]], k: int) -> list[Hit]:
        """Several searches' passages fused into one list, cut as `retrieve` cuts (the first ranking wins ties)."""
        fused = fuse([[h.chunk_id for h in ranking] for ranking in rankings])
        known = {h.chunk_id: h for ranking in rankings for h in ranking}
        kept = self._cut(fused, {chunk_id: hit.article_id for chunk_id, hit in known.items()}, k)
        return [replace(known[chunk_id], score=score) for chunk_id, score in kept]

    def _hits(self, scored: Sequence[tuple[str, float]]) -> list[Hit]:
        """The passages in the order given, from the BM25 index's record; Chroma is read only for chunks it lacks."""
        ids, scores = [chunk_id for chunk_id, _ in scored], [score for _, score in scored]
        known = self.lexical.passages(ids, scores) if self.lexical else {}
        missing = [(chunk_id, score) for chunk_id, score in scored if chunk_id not in known]
        if missing:
            known |= {h.chunk_id: h for h in self.store.get_hits(*zip(*missing, strict=True))}
        return [known[chunk_id] for chunk_id in ids if chunk_id in known]

    def _articles(self, ids: Sequence[str]) -> dict[str, str]:
        """chunk id → article id from the BM25 index's record; Chroma is asked only for chunks it lacks."""
        owners = self.lexical.articles_of(ids) if self.lexical else {}
        return owners | self.store.article_ids([i for i in ids if i not in owners])

    def _cut(self, fused: Sequence[tuple[str, float]], owners: dict[str, str], k: int) -> list[tuple[str, float]]:
        """The best k (chunk id, score) pairs, one article per story cluster and at most PER_ARTICLE passages per
        article; scores relative to the best."""
        best = fused[0][1] if fused else 1.0
        kept: list[tuple[str, float]] = []
        story_owner: dict[str, str] = {}  # story cluster → the one article that speaks for it
        per_article: dict[str, int] = {}
        stories = self.lexical.stories(owners.values()) if self.lexical else {}
        for chunk_id, score in fused:
            article_id = owners.get(chunk_id)
            if article_id is None:
                continue  # deleted since it was ranked
            story = stories.get(article_id, article_id)
            if story_owner.setdefault(story, article_id) != article_id:
                continue  # a syndicated copy of a story already in the context
            if per_article.get(article_id, 0) == PER_ARTICLE:
                continue
            per_article[article_id] = per_article.get(article_id, 0) + 1
            kept.append((chunk_id, score / best))
            if len(kept) == k:
                break
        return kept
