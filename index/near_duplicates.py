"""Near-duplicate stories: syndicated copies (small edits, another site) grouped by MinHash LSH (datasketch).

Each article gets a story id, the smallest story id among the stored articles it nearly copies (its own id when it
copies none); retrieval keeps one article per story so the context holds distinct evidence instead of the same wire
story five times. Signatures are kept in the lexical index's SQLite file, so an insert asks the LSH about one article
instead of clustering the corpus again.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence

import numpy as np

SHINGLE_WORDS = 5
SIMILARITY = 0.7  # estimated Jaccard of 5-word shingles above which two articles are one story
PERMUTATIONS = 64
SCHEME = "affine32"  # datasketch 2's default, named: saved hash values are read back under the scheme that made them
_WORD = re.compile(r"\w+")
SCHEMA = """CREATE TABLE IF NOT EXISTS stories(
    article_id TEXT PRIMARY KEY, story TEXT NOT NULL, signature BLOB NOT NULL);"""


def shingles(text: str) -> set[bytes]:
    words = _WORD.findall(text.lower())
    if len(words) <= SHINGLE_WORDS:
        return {" ".join(words).encode()}
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode() for i in range(len(words) - SHINGLE_WORDS + 1)}


def _signature(text: str):
    from datasketch import MinHash

    signature = MinHash(num_perm=PERMUTATIONS, scheme=SCHEME)
    signature.update_batch(shingles(text))
    return signature


class Stories:
    """Every stored article's signature in an LSH, read from the `stories` table once per writing process."""

    def __init__(self, rows: Sequence[tuple[str, str, bytes]]):
        from datasketch import MinHash, MinHashLSH

        self._lsh = MinHashLSH(threshold=SIMILARITY, num_perm=PERMUTATIONS)
        self._story: dict[str, str] = {}
        for article_id, story, signature in rows:
            saved = MinHash(num_perm=PERMUTATIONS, hashvalues=np.frombuffer(signature, dtype=np.uint32), scheme=SCHEME)
            self._lsh.insert(article_id, saved, check_duplication=False)
            self._story[article_id] = story

    @classmethod
    def load(cls, db: sqlite3.Connection) -> Stories:
        return cls(db.execute("SELECT article_id, story, signature FROM stories").fetchall())

    def place(self, db: sqlite3.Connection, article_id: str, text: str | None) -> str | None:
        """File an article (again) under its story, or drop it (`text` None: none of its chunks is left)."""
        if article_id in self._story:
            self._lsh.remove(article_id)
            del self._story[article_id]
        if text is None:
            db.execute("DELETE FROM stories WHERE article_id = ?", (article_id,))
            return None
        signature = _signature(text)
        story = min((self._story[other] for other in self._lsh.query(signature)), default=article_id)
        self._lsh.insert(article_id, signature, check_duplication=False)
        self._story[article_id] = story
        row = (article_id, story, signature.hashvalues.astype(np.uint32).tobytes())
        db.execute("INSERT OR REPLACE INTO stories VALUES (?, ?, ?)", row)
        return story

    @staticmethod
    def of(db: sqlite3.Connection, article_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for first in range(0, len(article_ids), 500):
            page = list(article_ids[first : first + 500])
            query = f"SELECT article_id, story FROM stories WHERE article_id IN ({','.join('?' * len(page))})"
            found |= dict(db.execute(query, page).fetchall())
        return found
