"""Near-duplicate stories: syndicated copies (small edits, another site) grouped by MinHash LSH (datasketch).

Each article gets a cluster id, the id of the first member seen; retrieval keeps one article per cluster so the
context holds distinct evidence instead of the same wire story five times.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SHINGLE_WORDS = 5
SIMILARITY = 0.7  # estimated Jaccard of 5-word shingles above which two articles are one story
PERMUTATIONS = 64
_WORD = re.compile(r"\w+")


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


def cluster_articles(articles: Iterable[tuple[str, str]]) -> dict[str, str]:
    """(article id, text) pairs → article id: cluster id. Deterministic for a given order of articles."""
    from datasketch import MinHash, MinHashLSH

    index = MinHashLSH(threshold=SIMILARITY, num_perm=PERMUTATIONS)
    clusters: dict[str, str] = {}
    for article_id, text in articles:
        signature = MinHash(num_perm=PERMUTATIONS)
        signature.update_batch(shingles(text))
        near = index.query(signature)
        clusters[article_id] = min((clusters[other] for other in near), default=article_id)
        index.insert(article_id, signature)
    return clusters
