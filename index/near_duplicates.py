"""Near-duplicate stories: syndicated copies (small edits, another site) grouped by MinHash LSH.

Each article gets a story id, the smallest story id among the stored articles it nearly copies (its own id when it
copies none); retrieval keeps one article per story so the context holds distinct evidence instead of the same wire
story five times. datasketch makes the signatures and picks the LSH's bands; the bands live in the lexical index's
SQLite file (written by hand: datasketch's LSH keeps them in memory or in Redis/Cassandra only), so filing an
article asks about its own bands instead of loading every signature (1.5 s on the full year, per process).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from functools import cache

SHINGLE_WORDS = 5
SIMILARITY = 0.7  # estimated Jaccard of 5-word shingles above which two articles are one story
PERMUTATIONS = 64
SCHEME = "affine32"  # datasketch 2's default, named so the signatures of a store stay comparable across upgrades
_WORD = re.compile(r"\w+")
SCHEMA = """
CREATE TABLE IF NOT EXISTS stories(article_id TEXT PRIMARY KEY, story TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS story_bands(band INTEGER NOT NULL, key BLOB NOT NULL, article_id TEXT NOT NULL,
    PRIMARY KEY(band, key, article_id)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS story_bands_by_article ON story_bands(article_id);
"""
EMPTIED = "DROP TABLE IF EXISTS stories; DROP TABLE IF EXISTS story_bands;"


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


@cache
def _bands() -> list[tuple[int, int]]:
    """The hash ranges datasketch's LSH would band a signature into for SIMILARITY (8 bands of 8 for 0.7 / 64)."""
    from datasketch import MinHashLSH

    return list(MinHashLSH(threshold=SIMILARITY, num_perm=PERMUTATIONS).hashranges)


def band_keys(text: str) -> list[bytes]:
    from datasketch import MinHash

    signature = MinHash(num_perm=PERMUTATIONS, scheme=SCHEME)
    signature.update_batch(shingles(text))
    return [signature.hashvalues[start:end].tobytes() for start, end in _bands()]


def file_article(db: sqlite3.Connection, article_id: str, text: str | None) -> str | None:
    """File an article (again) under its story, or drop it (`text` None: none of its chunks is left)."""
    db.execute("DELETE FROM story_bands WHERE article_id = ?", (article_id,))
    if text is None:
        db.execute("DELETE FROM stories WHERE article_id = ?", (article_id,))
        return None
    keys = band_keys(text)
    near = {
        row[0]
        for band, key in enumerate(keys)
        for row in db.execute("SELECT article_id FROM story_bands WHERE band = ? AND key = ?", (band, key))
    }
    story = min(stories_of(db, sorted(near)).values(), default=article_id)
    db.executemany("INSERT INTO story_bands VALUES (?, ?, ?)", [(b, k, article_id) for b, k in enumerate(keys)])
    db.execute("INSERT OR REPLACE INTO stories VALUES (?, ?)", (article_id, story))
    return story


def stories_of(db: sqlite3.Connection, article_ids: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for first in range(0, len(article_ids), 500):
        page = list(article_ids[first : first + 500])
        query = f"SELECT article_id, story FROM stories WHERE article_id IN ({','.join('?' * len(page))})"
        found |= dict(db.execute(query, page).fetchall())
    return found
