"""BM25 over every stored chunk, changed in place as articles are added, replaced or deleted.

Two parts in the store folder: a record in SQLite (each chunk's text, citation facts and stems, the glued words, each
article's story) and the BM25 engine over the stems (index/bm25_engine.py, tantivy). SQLite gives the record one
transaction per write and readers in other processes (WAL); the engine commits inside that transaction, just before
it, so a killed write leaves the engine ahead of the record at worst, which a count check finds and the record
refills. Rebuilding bm25s from every chunk made adding one article to the full-year store cost 150 s (issue 27).

Chroma is the source of truth: a writer marks the index pending, writes Chroma, then applies the same change here
and clears the mark in one transaction. A run killed in between leaves the mark; the next open repairs the index by
an id diff with Chroma (reading only the chunks it lacks), not a rebuild. A count check finds another process's
writes through a server the same way. The record also holds each chunk's text and citation facts, so retrieval
reads passages without asking Chroma, and each article's story cluster (see near_duplicates).
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from functools import lru_cache
from pathlib import Path

from index.bm25_engine import BM25Engine, Document
from index.english import glued_words, snowball, split_glued, stopwords
from index.near_duplicates import EMPTIED as STORIES_EMPTIED
from index.near_duplicates import SCHEMA as STORIES_SCHEMA
from index.near_duplicates import file_article, stories_of
from index.store import ChunkStore, Hit, day_number

DATABASE = "lexical.sqlite3"
# What the indexed text holds; an index saved with another version is rebuilt once from the store. 3: SQLite FTS5,
# 4: tantivy over stems kept in the record, 5: story bands in the record.
TEXT_VERSION = 5
ENGINE_FOLDER = "bm25-tantivy"
# A glued word in more articles than this is a name ("TikTok": 958 of the 7,587 RealTimeQA 2023 articles), not a page
# that lost a space; its parts would only lengthen those chunks. Splitting every one cost the H1 chat path 2 R@1.
# Counted when a chunk is indexed: a word that reaches a third article later keeps the parts already indexed.
_GLUED_ARTICLES = 2
_TOKEN = re.compile(r"(?u)\b\w\w+\b")  # the words BM25 counts (scikit-learn's and bm25s's pattern)
_PAGE = 500  # chunks read from Chroma per request when repairing
_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks(
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, article_id TEXT NOT NULL, title TEXT NOT NULL,
    url TEXT NOT NULL, published TEXT NOT NULL, day INTEGER NOT NULL, start INTEGER NOT NULL, end INTEGER NOT NULL,
    text TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_article ON chunks(article_id);
CREATE TABLE IF NOT EXISTS glued(word TEXT NOT NULL, article_id TEXT NOT NULL, PRIMARY KEY(word, article_id))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facts(key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
_COLUMNS = "chunk_id, article_id, title, url, published, start, end, text"
_EMPTIED = "DROP TABLE IF EXISTS chunks; DROP TABLE IF EXISTS terms; DELETE FROM glued;" + STORIES_EMPTIED


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return snowball().stemWord(word)


@lru_cache(maxsize=1)
def _indexed_stopwords() -> frozenset[str]:
    """The short list left out of the indexed text since the first BM25 index (bm25s's English list), so document
    lengths and every R@k figure carry over; the question drops NLTK's longer list (see `search`)."""
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def terms(text: str, leave_out: frozenset[str]) -> list[str]:
    """The stems BM25 counts: lower-cased words of two or more characters, Snowball-stemmed."""
    return [_stem(word) for word in _TOKEN.findall(text.lower()) if word not in leave_out]


class LexicalIndex:
    def __init__(self, folder: Path):
        self.folder = folder
        self._guard = threading.RLock()
        self._db: sqlite3.Connection | None = None
        self._counted: tuple[int, int] | None = None  # (SQLite's data_version, chunks) while no one else writes
        self._engine = BM25Engine(folder / ENGINE_FOLDER)

    # -- the file ---------------------------------------------------------------------------------------------------

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            shutil.rmtree(self.folder / "bm25", ignore_errors=True)  # the bm25s index of TEXT_VERSION 2 and before
            db = sqlite3.connect(self.folder / DATABASE, check_same_thread=False, isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a power cut may lose the last commit, never corrupt
            db.executescript(_SCHEMA + STORIES_SCHEMA)
            if self._fact(db, "text_version") not in (None, str(TEXT_VERSION)):
                db.executescript(_EMPTIED + _SCHEMA + STORIES_SCHEMA)
                self._engine.replace_all([])
            db.execute("INSERT OR REPLACE INTO facts VALUES ('text_version', ?)", (str(TEXT_VERSION),))
            self._db = db
        return self._db

    def close(self) -> None:
        with self._guard:
            self._engine.settle()
            if self._db is not None:
                self._db.close()
                self._db = None

    @staticmethod
    def _fact(db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM facts WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    @property
    def size(self) -> int:
        """Counted again only after a write: counting 82,755 rows takes milliseconds, asked twice a question."""
        with self._guard:
            version = self.db.execute("PRAGMA data_version").fetchone()[0]  # moves on another connection's commit
            if self._counted is None or self._counted[0] != version:
                if self._counted is not None:
                    self._engine.refresh()  # another process wrote: its engine commit came before its record's
                self._counted = (version, self.db.execute("SELECT count(*) FROM chunks").fetchone()[0])
            return self._counted[1]

    @property
    def chunk_ids(self) -> list[str]:
        with self._guard:
            return [row[0] for row in self.db.execute("SELECT chunk_id FROM chunks ORDER BY row")]

    # -- staying in step with Chroma ------------------------------------------------------------------------------

    def is_stale(self) -> bool:
        with self._guard:
            return self._fact(self.db, "pending") is not None

    def mark_stale(self) -> None:
        """Before a write to Chroma: a run killed before `apply` leaves this mark, and the next open repairs."""
        with self._guard:
            self.db.execute("INSERT OR REPLACE INTO facts VALUES ('pending', '1')")

    def clear_stale(self) -> None:
        """For a writer that marked the index and then wrote nothing: it still matches the store."""
        with self._guard:
            self.db.execute("DELETE FROM facts WHERE key = 'pending'")

    def ensure_current(self, store: ChunkStore) -> None:
        """Repair by id diff when a run was killed mid-write or the store holds another number of chunks (another
        process wrote through a server); else nothing: a count from Chroma and one from SQLite."""
        with self._guard:
            if self.is_stale() or self.size != store.count():
                self.repair(store)
            if self._engine.count() != self.size:  # a write killed between the engine's commit and the record's,
                with self._writing():  # or one under way in another process: under the write lock, no one's is
                    self._engine.refresh()
                    if self._engine.count() != self.db.execute("SELECT count(*) FROM chunks").fetchone()[0]:
                        rows = self.db.execute("SELECT chunk_id, day, body FROM chunks").fetchall()
                        self._engine.replace_all(rows)

    def repair(self, store: ChunkStore) -> tuple[int, int]:
        """(chunks added, chunks removed) to make this index hold exactly Chroma's ids; clears the pending mark.
        Stories are filed once at the end, for the articles changed and any a killed repair left unfiled: filed
        page by page, a long article was filed once per page its chunks fell in."""
        with self._guard:
            stored = set(store.all_ids())
            held = set(self.chunk_ids)
            gone, missing = held - stored, sorted(stored - held)
            touched = self._owners(gone)
            with self._writing():
                self._delete_rows(gone)
                self._engine.write(gone, ())
            added = 0
            with _progress(len(missing)) as bar:
                for first in range(0, len(missing), _PAGE):
                    page = missing[first : first + _PAGE]
                    hits = store.get_hits(page, [0.0] * len(page))
                    added += len(hits)
                    touched |= {hit.article_id for hit in hits}
                    with self._writing():
                        ids = {hit.chunk_id for hit in hits}
                        self._delete_rows(ids)
                        self._engine.write(ids, self._insert(hits))
                    bar.update(len(page))
            with self._writing():
                self._restory(touched | self._unfiled())
                self.db.execute("DELETE FROM facts WHERE key = 'pending'")
            return added, len(gone)

    def apply(self, added: Sequence[Hit], removed: Iterable[str]) -> None:
        """One write's change (chunks stored, chunk ids deleted), in one transaction that also clears the mark.
        An article's story is computed again from all of its chunks held once the change is in."""
        with self._guard:
            removed = set(removed)
            touched = {hit.article_id for hit in added} | self._owners(removed)
            with self._writing():
                replaced = removed | {hit.chunk_id for hit in added}
                self._delete_rows(replaced)
                self._engine.write(replaced, self._insert(added))
                self._restory(touched)
                self.db.execute("DELETE FROM facts WHERE key = 'pending'")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """One transaction; on any failure nothing of it stays."""
        self.db.execute("BEGIN IMMEDIATE")
        self._counted = None
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _unfiled(self) -> set[str]:
        query = "SELECT DISTINCT article_id FROM chunks WHERE article_id NOT IN (SELECT article_id FROM stories)"
        return {row[0] for row in self.db.execute(query)}

    def _owners(self, chunk_ids: Iterable[str]) -> set[str]:
        return {row[0] for row in self._rows_of(chunk_ids, "article_id").values()}

    def _rows_of(self, chunk_ids: Iterable[str], columns: str) -> dict[str, tuple]:
        chunk_ids = list(chunk_ids)
        found: dict[str, tuple] = {}
        for first in range(0, len(chunk_ids), _PAGE):
            page = chunk_ids[first : first + _PAGE]
            marks = ",".join("?" * len(page))
            query = f"SELECT chunk_id, {columns} FROM chunks WHERE chunk_id IN ({marks})"
            found |= {row[0]: row[1:] for row in self.db.execute(query, page)}
        return found

    def _delete_rows(self, chunk_ids: set[str]) -> None:
        rows = self._rows_of(chunk_ids, "row, article_id")
        if not rows:
            return
        self.db.executemany("DELETE FROM chunks WHERE row = ?", [(row,) for row, _ in rows.values()])
        owners = {article_id for _, article_id in rows.values()}
        still = {a for a in owners if self.db.execute("SELECT 1 FROM chunks WHERE article_id = ?", (a,)).fetchone()}
        self.db.executemany("DELETE FROM glued WHERE article_id = ?", [(a,) for a in owners - still])

    def _insert(self, hits: Sequence[Hit]) -> list[Document]:
        """Each chunk with its headline; a glued word ("BidenXi") few articles hold adds its parts (Biden, Xi).
        Returns what the engine indexes."""
        db = self.db
        glued = {hit.chunk_id: glued_words(f"{hit.title}\n{hit.text}") for hit in hits}
        db.executemany(
            "INSERT OR IGNORE INTO glued VALUES (?, ?)",
            {(word, hit.article_id) for hit in hits for word in glued[hit.chunk_id]},
        )
        lost = self._lost_spaces({word for words in glued.values() for word in words})
        leave_out = _indexed_stopwords()
        documents = []
        for hit in hits:
            parts = [part for word in glued[hit.chunk_id] if word in lost for part in split_glued(word)]
            text = f"{hit.title}\n{hit.text}" + (f"\n{' '.join(parts)}" if parts else "")
            day = day_number(hit.published) if hit.published else 0
            published = hit.published.isoformat() if hit.published else ""
            body = " ".join(terms(text, leave_out))
            db.execute(
                "INSERT INTO chunks(chunk_id, article_id, title, url, published, day, start, end, text, body) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (hit.chunk_id, hit.article_id, hit.title, hit.url, published, day, hit.start, hit.end, hit.text, body),
            )
            documents.append((hit.chunk_id, day, body))
        return documents

    def _lost_spaces(self, words: set[str]) -> set[str]:
        """The glued words few articles hold: where a page lost a space, not a name."""
        found = set()
        listed = sorted(words)
        for first in range(0, len(listed), _PAGE):
            page = listed[first : first + _PAGE]
            marks = ",".join("?" * len(page))
            query = f"SELECT word FROM glued WHERE word IN ({marks}) GROUP BY word HAVING count(*) <= ?"
            found |= {row[0] for row in self.db.execute(query, [*page, _GLUED_ARTICLES])}
        return found

    def _restory(self, article_ids: set[str]) -> None:
        for article_id in sorted(article_ids):
            parts = [f"{t}\n{x}" for t, x in self.db.execute(_ARTICLE_TEXT, (article_id,))]
            file_article(self.db, article_id, " ".join(sorted(parts)) if parts else None)

    # -- reading --------------------------------------------------------------------------------------------------

    def stories(self, article_ids: Iterable[str]) -> dict[str, str]:
        """Article id → story cluster; an article newer than the index is its own story."""
        article_ids = list(set(article_ids))
        with self._guard:
            return {a: a for a in article_ids} | stories_of(self.db, article_ids)

    def story_of(self, chunk_id: str, article_id: str) -> str:
        return self.stories([article_id])[article_id]

    def articles_of(self, chunk_ids: Sequence[str]) -> dict[str, str]:
        """Chunk id → article id, for the chunks held."""
        with self._guard:
            return {chunk_id: row[0] for chunk_id, row in self._rows_of(chunk_ids, "article_id").items()}

    def passages(self, ids: Sequence[str], scores: Sequence[float]) -> dict[str, Hit]:
        """The chunks held, by id, each with the caller's score; ids not held are left out."""
        with self._guard:
            rows = self._rows_of(ids, _COLUMNS)
        pairs = zip(ids, scores, strict=True)
        return {chunk_id: _hit(rows[chunk_id], score) for chunk_id, score in pairs if chunk_id in rows}

    def iter_passages(self) -> Iterator[Hit]:
        with self._guard:
            rows = self.db.execute(f"SELECT {_COLUMNS} FROM chunks ORDER BY row").fetchall()
        return (_hit(row, 0.0) for row in rows)

    def search(self, query: str, k: int, as_of_day: int | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score), best first; `as_of_day` (yyyymmdd) drops later chunks, undated ones stay."""
        # NLTK's English stopwords dropped from the question only: "did", "what", "about" matched short chunks of any
        # text. H1, BM25 alone, full year: R@5 81.3 → 82.6, R@10 85.2 → 86.9; bm25s's own 33-word list gave 82.2 / 86.0.
        wanted = sorted(set(terms(query, stopwords())))
        if not wanted or k <= 0:
            return []
        with self._guard:
            return [(chunk_id, score) for chunk_id, score in self._engine.search(wanted, k, as_of_day) if score > 0]


_ARTICLE_TEXT = "SELECT title, text FROM chunks WHERE article_id = ? ORDER BY start"
_QUIET_BELOW = 5_000  # chunks a repair reads without a progress bar (a crashed batch, another process's ingest)


def _progress(total: int):
    """A bar on stderr when a repair reads many chunks: filling the index of a store made before it takes ~1 min on
    the full year, and a silent `newsdesk ask` for that long looks hung."""
    from tqdm import tqdm

    return tqdm(total=total, disable=total < _QUIET_BELOW, unit="chunk", desc="lexical index", dynamic_ncols=True)


def _hit(row: tuple, score: float) -> Hit:
    chunk_id, article_id, title, url, published, start, end, text = row
    day = date.fromisoformat(published) if published else None
    return Hit(chunk_id, article_id, title, url, day, start, end, text, score)
