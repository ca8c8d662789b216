"""ChunkStore: chunks, their vectors and metadata in Chroma (embedded PersistentClient or a `chroma run` server)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from index.articles import Article
from index.chunking import Chunk
from index.errors import StoreUnavailableError
from index.store_lock import StoreLock

_READ_PAGE = 5000
_RECIPE_KEY = "newsdesk_"  # collection metadata keys under which the store records how its vectors were made


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    article_id: str
    title: str
    url: str
    published: date | None
    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Presence:
    """How much of one stored article's content is in the store: complete when count == expected."""

    article_id: str
    count: int
    expected: int

    @property
    def complete(self) -> bool:
        return self.count >= self.expected


@dataclass(frozen=True)
class StoreStats:
    chunks: int
    articles: int
    oldest: date | None
    newest: date | None
    location: str
    embedding_model: str = ""  # "" for a store built before stores recorded it
    dense_scope: str = ""
    undated: int = 0  # articles with no publish date: `as_of` keeps them, the date range says nothing of them

    def to_dict(self) -> dict:
        """`newsdesk stats --json` and /api/stats."""
        return {**vars(self), "oldest": str(self.oldest or ""), "newest": str(self.newest or "")}


def day_number(day: date) -> int:
    """The sortable yyyymmdd integer stored as `published_day`: Chroma's where-filters compare numbers, not dates."""
    return int(day.strftime("%Y%m%d"))


def chunk_metadata(article: Article, chunk: Chunk, text_fingerprint: str, n_chunks: int) -> dict[str, Any]:
    """Chroma metadata values must be scalars: dates are stored as ISO text and as a sortable yyyymmdd integer."""
    published = article.published
    return {
        "article_id": article.id,
        "title": article.title,
        "url": article.url,
        "published": published.isoformat() if published else "",
        "published_day": day_number(published) if published else 0,
        "start": chunk.start,
        "end": chunk.end,
        "chunk_index": chunk.index,
        "n_chunks": n_chunks,
        "fingerprint": text_fingerprint,
        "source": article.source,
    }


class ChunkStore:
    """One Chroma collection; the embedded store is locked to this process for as long as it is open."""

    def __init__(
        self,
        path: str | Path = "",
        url: str = "",
        collection: str = "newsdesk",
        recipe: Mapping[str, str] | None = None,
    ):
        """`recipe` (embedding model, dense scope) is recorded in a new or empty collection; `self.recipe` is what the
        collection holds, so a caller can refuse a store whose vectors another model made."""
        os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
        recipe = dict(recipe or {})
        self.location = url or str(Path(path).expanduser())
        self._lock: StoreLock | None = None
        self._count: int | None = None  # see count()
        if url:
            self._client = _http_client(url)
        else:
            try:
                Path(self.location).mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreUnavailableError(f"cannot use {self.location} as the store folder: {exc}") from exc
            self._lock = StoreLock(Path(self.location))
            self._lock.acquire()
            self._client = _persistent_client(Path(self.location))
        try:
            collection_api = self._client.get_or_create_collection(
                collection, embedding_function=None, metadata={"hnsw:space": "cosine", **_recipe_metadata(recipe)}
            )
        except Exception as exc:
            self.close()
            raise StoreUnavailableError(f"cannot open collection {collection!r} at {self.location}: {exc}") from exc
        self._collection = _ServerGuard(collection_api, url) if url else collection_api
        self.max_batch = self._client.get_max_batch_size()
        self.recipe = _recorded_recipe(collection_api.metadata)
        if recipe and self.recipe != recipe and self.count() == 0:
            # Nothing stored yet, so nothing to contradict. The cosine space lives on in the collection's
            # configuration: Chroma refuses to have it restated here.
            self._collection.modify(metadata=_recipe_metadata(recipe))
            self.recipe = recipe

    def close(self) -> None:
        client = getattr(self, "_client", None)
        if client is not None:
            client.close()
            self._client = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    @property
    def collection(self):
        """The raw Chroma collection, for tools that bring their own client code (the llama-index baseline)."""
        return getattr(self._collection, "wrapped", self._collection)

    def announce(self, **facts: str) -> None:
        """Add facts (e.g. app_url) to the owner record other processes see; no-op for a server store."""
        if self._lock is not None:
            self._lock.announce(**facts)

    def __enter__(self) -> ChunkStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def count(self) -> int:
        """Remembered while this process holds the embedded store's lock (no one else can write; our writes forget
        it); asked every time of a server. Each retrieval needs it twice, and Chroma takes ~1.6 ms to count."""
        if self._lock is None:
            return self._collection.count()
        if self._count is None:
            self._count = self._collection.count()
        return self._count

    def presence(self, fingerprints: Sequence[str]) -> dict[str, Presence]:
        """What of these article contents is already stored, so ingest skips them before paying for embeddings."""
        if not fingerprints:
            return {}
        found = self._collection.get(where={"fingerprint": {"$in": list(set(fingerprints))}}, include=["metadatas"])
        counts: dict[str, Presence] = {}
        for meta in found["metadatas"] or []:
            key = str(meta["fingerprint"])
            seen = counts.get(key)
            counts[key] = Presence(str(meta["article_id"]), (seen.count if seen else 0) + 1, int(meta["n_chunks"]))
        return counts

    def upsert(self, ids: list[str], texts: list[str], vectors: list[list[float]], metas: list[dict]) -> None:
        """Each call is atomic in Chroma (a crash leaves a whole batch or none), so batches stay under its limit."""
        try:
            for first in range(0, len(ids), self.max_batch):
                window = slice(first, first + self.max_batch)
                self._collection.upsert(
                    ids=ids[window], documents=texts[window], embeddings=vectors[window], metadatas=metas[window]
                )
        finally:
            self._count = None  # after the write: a count taken meanwhile by another thread is not kept

    def delete_article(self, article_id: str) -> None:
        self._collection.delete(where={"article_id": article_id})
        self._count = None

    def delete_stale(self, current: dict[str, str]) -> list[str]:
        """Articles re-ingested with new text (article id -> new fingerprint) lose their old chunks, whose ids are
        returned; upsert alone would keep the extras. One read for the whole batch: a filtered delete per article
        costs ~0.1 s."""
        if not current:
            return []
        found = self._collection.get(where={"article_id": {"$in": list(current)}}, include=["metadatas"])
        stale = [
            chunk_id
            for chunk_id, meta in zip(found["ids"], found["metadatas"] or [], strict=True)
            if meta["fingerprint"] != current[str(meta["article_id"])]
        ]
        if stale:
            self._collection.delete(ids=stale)
            self._count = None
        return stale

    def query(self, vector: list[float], k: int, where: dict | None = None) -> list[Hit]:
        found = self._nearest(vector, k, where, ["documents", "metadatas", "distances"])
        rows = zip(found["ids"], found["documents"], found["metadatas"], found["distances"], strict=True)
        return [hit_of(chunk_id, text, meta, 1.0 - distance) for chunk_id, text, meta, distance in rows]

    def query_scores(self, vector: list[float], k: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first, without text or metadata: reading metadata takes 4 of the 5 ms
        of a 96-result query (January index)."""
        found = self._nearest(vector, k, where, ["distances"])
        return [(chunk_id, 1.0 - distance) for chunk_id, distance in zip(found["ids"], found["distances"], strict=True)]

    def _nearest(self, vector: list[float], k: int, where: dict | None, include: list[str]) -> dict[str, list]:
        """One query's columns; empty for k <= 0 (Chroma refuses n_results=0) or an empty store (no query needed)."""
        if k <= 0 or self.count() == 0:
            return {column: [] for column in ["ids", *include]}
        found = self._collection.query(query_embeddings=[vector], n_results=k, where=where, include=include)
        return {column: found[column][0] for column in ["ids", *include]}

    def article_ids(self, ids: Sequence[str]) -> dict[str, str]:
        """chunk id → article id, for chunks a caller has no other record of."""
        if not ids:
            return {}
        found = self._collection.get(ids=list(ids), include=["metadatas"])
        return {i: str(m["article_id"]) for i, m in zip(found["ids"], found["metadatas"] or [], strict=True)}

    def get_hits(self, ids: Sequence[str], scores: Sequence[float]) -> list[Hit]:
        """Stored chunks by id, in the order given, each with the caller's score (e.g. from lexical search)."""
        if not ids:
            return []
        found = self._collection.get(ids=list(ids), include=["documents", "metadatas"])
        rows = {i: (d, m) for i, d, m in zip(found["ids"], found["documents"], found["metadatas"], strict=True)}
        return [hit_of(i, *rows[i], score) for i, score in zip(ids, scores, strict=True) if i in rows]

    def iter_passages(self) -> Iterator[Hit]:
        """Every chunk with its text and citation facts (score 0), a page at a time."""
        total = self.count()
        for offset in range(0, total, _READ_PAGE):
            page = self._collection.get(include=["documents", "metadatas"], limit=_READ_PAGE, offset=offset)
            for chunk_id, text, meta in zip(page["ids"], page["documents"], page["metadatas"], strict=True):
                yield hit_of(chunk_id, text or "", meta, 0.0)

    def iter_metadata(self, where: dict | None = None) -> Iterator[dict]:
        """A page at a time; with `where`, the filtered rows end before `count()` and the first empty page stops it."""
        for offset in range(0, self.count(), _READ_PAGE):
            page = self._collection.get(where=where, include=["metadatas"], limit=_READ_PAGE, offset=offset)
            metas = page["metadatas"]
            if not metas:
                return
            yield from metas

    def all_ids(self) -> list[str]:
        total = self.count()
        return [i for offset in range(0, total, _READ_PAGE) for i in self._page_ids(offset)]

    def _page_ids(self, offset: int) -> list[str]:
        return self._collection.get(include=[], limit=_READ_PAGE, offset=offset)["ids"]

    def stats(self) -> StoreStats:
        """One row per article (its lead chunk), not every chunk: a tenth of the reads on the full-year store."""
        articles: set[str] = set()
        days: list[str] = []
        for meta in self.iter_metadata(where={"chunk_index": 0}):
            articles.add(str(meta["article_id"]))
            if meta.get("published"):
                days.append(str(meta["published"]))
        oldest = date.fromisoformat(min(days)) if days else None
        newest = date.fromisoformat(max(days)) if days else None
        recorded = (self.recipe.get(key, "") for key in _STATED)
        return StoreStats(
            self.count(), len(articles), oldest, newest, self.location, *recorded, len(articles) - len(days)
        )

    def articles_after(self, day: date) -> int:
        """How many articles an `as_of` day leaves out: said beside the answer, or a miss reads as "not there"."""
        where = {"$and": [{"chunk_index": 0}, {"published_day": {"$gt": day_number(day)}}]}
        return sum(1 for _ in self.iter_metadata(where=where))


class _ServerGuard:
    """A server collection whose network failures become StoreUnavailableError, which every edge (UI, API, CLI)
    shows as a message: a stopped `chroma run` must not surface as a stack trace. The HTTP client reconnects on
    the next call, so nothing needs resetting when the server is back."""

    def __init__(self, wrapped: Any, url: str):
        self.wrapped = wrapped
        self.url = url

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.wrapped, name)
        if not callable(method):
            return method

        def guarded(*args: Any, **kwargs: Any) -> Any:
            import httpx

            try:
                return method(*args, **kwargs)
            except httpx.TransportError as exc:
                raise StoreUnavailableError(
                    f"the Chroma server at {self.url} is not answering ({exc}). Start it again "
                    "(`chroma run --path DIR --host 127.0.0.1 --port PORT`); newsdesk reconnects by itself."
                ) from exc

        return guarded


_STATED = ("embedding_model", "dense_scope")  # the recipe entries StoreStats shows, in its field order


def _recipe_metadata(recipe: Mapping[str, str]) -> dict[str, str]:
    return {_RECIPE_KEY + key: value for key, value in recipe.items()}


def _recorded_recipe(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    return {k.removeprefix(_RECIPE_KEY): str(v) for k, v in (metadata or {}).items() if k.startswith(_RECIPE_KEY)}


def hit_of(chunk_id: str, text: str, meta: Mapping[str, Any], score: float = 0.0) -> Hit:
    """A stored chunk as retrieval returns it, from its Chroma row (or the row about to be written)."""
    published = date.fromisoformat(meta["published"]) if meta.get("published") else None
    return Hit(
        chunk_id,
        str(meta["article_id"]),
        str(meta.get("title", "")),
        str(meta.get("url", "")),
        published,
        int(meta["start"]),
        int(meta["end"]),
        text,
        score,
    )


def _settings():
    from chromadb.config import Settings

    return Settings(anonymized_telemetry=False)


def _persistent_client(path: Path):
    import chromadb

    try:
        return chromadb.PersistentClient(path=str(path), settings=_settings())
    except Exception as exc:
        raise StoreUnavailableError(f"cannot open the Chroma store at {path}: {exc}") from exc


def _http_client(url: str):
    import chromadb

    parsed = urlparse(url if "://" in url else f"http://{url}")
    port = parsed.port or (443 if parsed.scheme == "https" else 8000)
    try:
        return chromadb.HttpClient(
            host=parsed.hostname or "127.0.0.1", port=port, ssl=parsed.scheme == "https", settings=_settings()
        )
    except Exception as exc:
        raise StoreUnavailableError(
            f"cannot reach the Chroma server at {url}: {exc}. Start it with "
            f"`chroma run --path DIR --host {parsed.hostname} --port {port}` or unset NEWSDESK_CHROMA_URL"
        ) from exc
