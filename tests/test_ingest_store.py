"""Ingest into a real Chroma store, embedded and through a `chroma run` server (the `store` fixture runs both)."""

import json
import shutil
import time

import pytest

from index.articles import load_articles
from index.chunking import split_article
from index.cleaning import clean_article
from index.embedding import DEFAULT_MODEL
from index.errors import EmbeddingModelError
from index.ingest import ingest
from tests.conftest import SAMPLE, UN_ARTICLE, XI_ARTICLE


def expected_chunk_ids(paths, embedder, max_tokens=200):
    return {
        c.id for a in load_articles(paths) for c in split_article(clean_article(a), embedder.count_tokens, max_tokens)
    }


def test_ingest_stores_every_chunk_once_and_reingest_adds_nothing(store, embedder):
    first = ingest([SAMPLE], store, embedder)
    assert (first.articles, first.added, first.errors) == (5, 5, [])
    assert set(store.all_ids()) == expected_chunk_ids([SAMPLE], embedder)
    assert first.chunks_added == store.count()
    stats = store.stats()
    assert (stats.chunks, stats.articles) == (first.chunks_added, 5)
    dates = sorted(a.published for a in load_articles([SAMPLE]) if a.published)
    assert (stats.oldest, stats.newest) == (dates[0], dates[-1])
    again = ingest([SAMPLE], store, embedder)
    assert (again.added, again.unchanged, again.chunks_added, again.chunks_skipped) == (
        0,
        5,
        0,
        first.chunks_added,
    )
    assert store.count() == first.chunks_added


def test_same_text_under_another_name_is_stored_once(store, embedder, tmp_path):
    copy_dir = tmp_path / "copies"
    copy_dir.mkdir()
    shutil.copy(SAMPLE / f"{UN_ARTICLE}.txt", copy_dir / "syndicated-copy.txt")
    shutil.copy(SAMPLE / f"{UN_ARTICLE}.txt", copy_dir / "another-copy.txt")
    report = ingest([SAMPLE, copy_dir], store, embedder)
    assert (report.added, report.duplicates) == (5, 2)
    assert {m["article_id"] for m in store.iter_metadata()} == {p.stem for p in SAMPLE.glob("*.txt")}


def test_broken_line_is_reported_and_the_rest_is_stored(store, embedder, tmp_path):
    feed = tmp_path / "feed.jsonl"
    rows = [
        json.dumps({"id": f"s{n}", "title": f"Story {n}", "text": f"Story number {n} is about talks in city {n}."})
        for n in range(4)
    ]
    rows.insert(2, '{"id": "broken", "text": ')
    feed.write_text("\n".join(rows) + "\n", encoding="utf-8")
    report = ingest([feed], store, embedder)
    assert [str(e) for e in report.errors] == [f"{feed}:3: invalid JSON (Expecting value at column 25)"]
    assert sorted(m["article_id"] for m in store.iter_metadata()) == ["s0", "s1", "s2", "s3"]


def test_changed_article_replaces_its_old_chunks(store, embedder, tmp_path):
    path = tmp_path / "story.txt"
    path.write_text("Old headline of the story\n\nThe old body says the talks failed.", encoding="utf-8")
    ingest([path], store, embedder)
    path.write_text("New headline of the story\n\nThe new body says the talks resumed.", encoding="utf-8")
    ingest([path], store, embedder)
    texts = [hit.text for hit in store.query(embedder.embed_query("talks"), 10)]
    assert len(texts) == 1 and "resumed" in texts[0]


def test_stored_metadata_carries_dates_and_offsets(store, embedder):
    ingest([SAMPLE], store, embedder)
    hits = store.query(embedder.embed_query("China's Permanent Representative to the UN Zhang Jun"), 6)
    top = next(hit for hit in hits if hit.article_id == UN_ARTICLE)
    assert str(top.published) == "2022-11-16" and "Zhang Jun" in top.text
    article = clean_article(next(a for a in load_articles([SAMPLE]) if a.id == UN_ARTICLE))
    assert article.text[top.start : top.end] == top.text


def test_count_follows_every_write(store, embedder):
    """The embedded store remembers its count between writes: a delete or upsert must not leave it stale."""
    full = ingest([SAMPLE], store, embedder).chunks_added
    assert store.count() == full
    un_chunks = sum(1 for m in store.iter_metadata() if m["article_id"] == UN_ARTICLE)
    store.delete_article(UN_ARTICLE)
    assert store.count() == full - un_chunks > 0
    ingest([SAMPLE], store, embedder)
    assert store.count() == full


@pytest.fixture(params=["embedded", "server"])
def store_settings(request, tmp_path):
    """Settings for a fresh embedded store or a fresh collection on the test session's `chroma run` server."""
    from assistant.config import Settings

    if request.param == "embedded":
        return Settings(store_path=tmp_path / "store")
    return Settings(chroma_url=request.getfixturevalue("chroma_server"), collection=f"t{time.time_ns()}")


def test_store_records_its_model_and_scope_and_is_read_as_built(store_settings, embedder):
    """Settings choose only for a new store: a `lead` store is queried as one whatever NEWSDESK_DENSE_SCOPE says,
    and settings naming another embedding model are refused (its vectors would be compared with this model's)."""
    from assistant.runtime import Runtime

    with Runtime(store_settings.model_copy(update={"dense_scope": "lead"}), embedder=embedder) as runtime:
        runtime.ingest([SAMPLE])
    with Runtime(store_settings, embedder=embedder) as runtime:
        assert store_settings.dense_scope == "all"
        assert runtime.settings.dense_scope == "lead" and runtime.assistant.retriever.lead_vectors
        stats = runtime.store.stats()
        assert (stats.embedding_model, stats.dense_scope) == (DEFAULT_MODEL, "lead")
        assert runtime.store.collection.configuration["hnsw"]["space"] == "cosine"
        hits = runtime.assistant.retriever.retrieve("What did Xi tell Medvedev?")  # ids-only dense query, both modes
        assert hits[0].article_id == XI_ARTICLE and "Medvedev" in hits[0].text
    other = store_settings.model_copy(update={"embedding_model": "intfloat/e5-small-v2"})
    with pytest.raises(EmbeddingModelError, match=f"built with the embedding model '{DEFAULT_MODEL}'"):
        Runtime(other, embedder=embedder)
    with Runtime(store_settings, embedder=embedder) as runtime:  # the refused runtime let go of the store
        assert runtime.store.count() > 0


def test_an_empty_unrecorded_store_takes_the_recipe_it_is_opened_with(tmp_path):
    from index.store import ChunkStore

    with ChunkStore(tmp_path / "store") as legacy:
        assert legacy.recipe == {}
    recipe = {"embedding_model": "m", "dense_scope": "lead"}
    with ChunkStore(tmp_path / "store", recipe=recipe) as store:
        assert store.recipe == recipe
        assert store.collection.configuration["hnsw"]["space"] == "cosine"  # restating metadata kept the space
    with ChunkStore(tmp_path / "store") as reopened:
        assert reopened.recipe == recipe
