"""Hybrid retrieval: the BM25 side finds rare words, stays in step with the store, and recovers from a crash."""

import sqlite3
from dataclasses import replace

import pytest

from assistant.config import Settings
from assistant.retrieval import combine, fuse
from assistant.runtime import Runtime
from index.english import glued_words
from index.lexical import DATABASE, TEXT_VERSION, LexicalIndex
from index.store import Hit
from tests.conftest import SAMPLE, XI_ARTICLE


def test_rrf_rewards_agreement_between_rankings():
    fused = [chunk_id for chunk_id, _ in fuse([["a", "b", "c"], ["b", "c", "d"]])]
    assert fused[:3] == ["b", "c", "a"] and set(fused) == {"a", "b", "c", "d"}


def test_combined_scores_reward_agreement_between_bm25_and_dense():
    lexical = [("a1", 10.0), ("b0", 9.0), ("c2", 1.0)]  # BM25 over chunks
    dense = [("b0", 0.9), ("a0", 0.5), ("d0", 0.4)]  # one chunk per article
    combined = dict(combine(lexical, dense, lexical_weight=0.6))
    ranked = sorted(combined, key=combined.get, reverse=True)
    assert ranked[:3] == ["b0", "a1", "a0"]  # strong on both sides beats strongest on one
    assert combined["b0"] == pytest.approx(0.6 * (9 - 1) / (10 - 1) + 0.4 * 1.0)
    assert combined["c2"] == combined["d0"] == 0.0  # last on its side, absent from the other
    assert dict(combine([("x", 3.0)], [])) == {"x": pytest.approx(0.6)}  # one result: the best of its side


def test_lexical_weight_setting_moves_the_ranking_between_bm25_and_dense(sample_runtime, monkeypatch):
    from pydantic import ValidationError

    from assistant.retrieval import Retriever

    monkeypatch.setenv("NEWSDESK_LEXICAL_WEIGHT", "0.3")
    assert Settings().lexical_weight == 0.3
    with pytest.raises(ValidationError, match="lexical_weight"):
        Settings(lexical_weight=1.5)
    assert sample_runtime.assistant.retriever.lexical_weight == Settings.model_fields["lexical_weight"].default
    store, retriever = sample_runtime.store, sample_runtime.assistant.retriever
    question = "What did Wang Yi say?"  # BM25 and the dense side put different chunks first
    top = {}
    for weight in (1.0, 0.0):
        only = Retriever(store, retriever.embedder, 3, sample_runtime.lexical, lexical_weight=weight)
        top[weight] = only.retrieve(question)[0].chunk_id
    assert top[1.0] == sample_runtime.lexical.search(question, 1)[0][0]  # BM25's best
    assert top[0.0] == retriever.dense_articles(question, 1, None)[0][0]  # the dense side's best
    assert top[1.0] != top[0.0]


def test_bm25_finds_a_rare_name_and_hybrid_keeps_it(sample_runtime):
    lexical = sample_runtime.lexical
    lexical.ensure_current(sample_runtime.store)
    top_id, _ = lexical.search("Hua Chunying spokeswoman", 3)[0]
    hits = sample_runtime.assistant.retriever.retrieve("What did Hua Chunying say?")
    assert hits[0].chunk_id == top_id and hits[0].article_id.startswith("004_")


def test_bm25_ignores_the_question_words_of_a_question(sample_runtime):
    """ "What did … about …" once matched "Russia did not achieve …" in a short chunk whose only other tie to the
    question is the headline every chunk of the article is indexed with."""
    hits = sample_runtime.assistant.retriever.lexical_hits("What did Medvedev say about the talks?", 2)
    assert [h.article_id for h in hits] == [XI_ARTICLE, XI_ARTICLE]
    assert all("Medvedev" in h.text for h in hits), [h.text[:80] for h in hits]
    assert not any("Ben Wallace" in h.text for h in hits)


def test_lexical_index_follows_reingest_and_changed_articles(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for source in SAMPLE.iterdir():
        (corpus / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    with Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder) as runtime:
        runtime.ingest([corpus])
        assert runtime.lexical.size == runtime.store.count() == 17
        changed = corpus / "002_407555052ac68120.txt"
        changed.write_text("Quillfeather harbour reopened after the storm, the mayor said.\n", encoding="utf-8")
        runtime.ingest([corpus])
        assert runtime.lexical.size == runtime.store.count()
        assert [cid for cid, _ in runtime.lexical.search("Quillfeather harbour", 1)]
        quoted = runtime.assistant.retriever.retrieve("Quillfeather harbour", k=1)[0]  # its text from the new record
        assert quoted.article_id.startswith("002_") and quoted.text.startswith("Quillfeather harbour reopened")
        stored = set(runtime.store.all_ids())
        assert all(cid in stored for cid, _ in runtime.lexical.search("Zhang Jun Permanent Representative", 10))
        assert not any(
            h.article_id.startswith("002_") and "Zhang Jun" in h.text
            for h in runtime.assistant.retriever.retrieve("Zhang Jun Permanent Representative")
        )
        held = set(runtime.lexical.chunk_ids)
        assert held == stored
        lost = sorted(held)[0]
        runtime.lexical.apply([], [lost])  # as a run killed between the Chroma write and the index's leaves it:
        runtime.lexical.apply([replace(quoted, chunk_id="gone-from-chroma")], [])  # one chunk short, one extra
        runtime.lexical.db.execute("DELETE FROM stories")  # as a repair killed before it filed the stories leaves it
        runtime.lexical.mark_stale()
    with Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder) as runtime:
        assert runtime.lexical.is_stale()
        assert runtime.lexical.repair(runtime.store) == (1, 1)  # an id diff: one chunk read, one dropped
        assert set(runtime.lexical.chunk_ids) == set(runtime.store.all_ids()) and not runtime.lexical.is_stale()
        filed = {row[0] for row in runtime.lexical.db.execute("SELECT article_id FROM stories")}
        assert filed == {h.article_id for h in runtime.lexical.iter_passages()}
        # A write killed after the BM25 engine's commit and before the record's: the engine holds a chunk the record
        # does not. The next check finds the counts apart and refills the engine from the record.
        runtime.lexical._engine.write((), [("ghost-chunk", 0, "quillfeath harbour")])
        runtime.lexical.ensure_current(runtime.store)
        assert "ghost-chunk" not in [cid for cid, _ in runtime.lexical.search("Quillfeather harbour", 10)]
        assert runtime.lexical._engine.count() == runtime.lexical.size


def test_adding_an_article_reads_nothing_else_from_chroma(tmp_path, embedder, monkeypatch):
    """Issue 27: the index changes in place; a re-read of every chunk (150 s on the full year) is a failure here."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    with Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder) as runtime:
        runtime.ingest([SAMPLE])

        def no_full_read(*_args, **_kwargs):
            raise AssertionError("every chunk read again from Chroma")

        for name in ("iter_passages", "all_ids", "iter_metadata"):
            monkeypatch.setattr(runtime.store, name, no_full_read)
        (corpus / "harbour.txt").write_text(
            "Quillfeather harbour\n\nQuillfeather harbour reopened after the storm, the mayor said.\n", encoding="utf-8"
        )
        report = runtime.ingest([corpus, SAMPLE])
        assert (report.added, report.unchanged) == (1, 5)
        top = runtime.assistant.retriever.retrieve("When did Quillfeather harbour reopen?", k=1)[0]
        assert top.article_id == "harbour" and "reopened after the storm" in top.text
        assert runtime.lexical.size == runtime.store.count() == 18
        (corpus / "harbour.txt").unlink()


def test_lead_scope_embeds_once_per_article_and_still_answers(tmp_path, embedder):
    import numpy as np

    settings = Settings(store_path=tmp_path / "store", dense_scope="lead")
    with Runtime(settings, embedder=embedder) as runtime:
        runtime.ingest([SAMPLE])
        stored = runtime.store.collection.get(include=["embeddings", "metadatas"])
        by_article: dict[str, list] = {}
        for vector, meta in zip(stored["embeddings"], stored["metadatas"], strict=True):
            by_article.setdefault(meta["article_id"], []).append(np.asarray(vector))
        assert len(stored["ids"]) == 17 and any(len(vectors) > 1 for vectors in by_article.values())
        assert all(np.allclose(vectors[0], v) for vectors in by_article.values() for v in vectors)
        answer = runtime.assistant.answer("Who is China's Permanent Representative to the UN?")
        assert answer.citations[0].article_id.startswith("002_") and "Zhang Jun" in answer.text


def test_a_syndicated_copy_is_one_story_in_the_context(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for source in SAMPLE.iterdir():
        (corpus / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    original = (SAMPLE / "001_99e80554701945ba.txt").read_text(encoding="utf-8")
    copy = "Republished from our partners.\n\n" + original.replace("Beijing", "China's capital", 1)
    (corpus / "wire-copy-of-001.txt").write_text(copy, encoding="utf-8")
    with Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder) as runtime:
        runtime.ingest([corpus])
        ids = runtime.store.all_ids()
        stored = runtime.store.get_hits(ids, [0.0] * len(ids))
        story = {h.article_id: runtime.lexical.story_of(h.chunk_id, h.article_id) for h in stored}
        assert story["wire-copy-of-001"] == story["001_99e80554701945ba"]
        assert len(set(story.values())) == 5  # six files, five stories
        hits = runtime.assistant.retriever.retrieve("What did Xi tell Medvedev?", k=8)
        articles = {h.article_id for h in hits}
        assert len(articles & {"001_99e80554701945ba", "wire-copy-of-001"}) == 1  # one copy speaks for the story
        assert len(articles) >= 3  # the freed places went to other articles


def test_passages_come_from_the_bm25_record_exactly_as_chroma_holds_them(sample_runtime, monkeypatch):
    store, retriever = sample_runtime.store, sample_runtime.assistant.retriever
    questions = ["What did Xi tell Medvedev?", "Who is China's Permanent Representative to the UN?", "Hua Chunying"]
    from_chroma = {
        q: store.get_hits(*zip(*[(h.chunk_id, h.score) for h in retriever.retrieve(q)], strict=True)) for q in questions
    }

    def no_reads(*_args):
        raise AssertionError("Chroma read for passages the record holds")

    monkeypatch.setattr(store, "get_hits", no_reads)
    for question in questions:
        hits = retriever.retrieve(question)
        assert hits == from_chroma[question]
    assert from_chroma[questions[0]][0].article_id == XI_ARTICLE
    assert any(h.published for hits in from_chroma.values() for h in hits)  # dates, too, read back the same


def test_a_store_without_the_index_file_gets_one_from_chroma(tmp_path, embedder):
    """A store built before the SQLite index (or with its file lost) is indexed once from what Chroma holds."""
    with Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder) as runtime:
        runtime.ingest([SAMPLE])
        database = runtime.lexical.folder / DATABASE
        ids = set(runtime.store.all_ids())
    database.unlink()
    with Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder) as runtime:
        hits = runtime.assistant.retriever.retrieve("What did Xi tell Medvedev?")
        assert hits[0].article_id == XI_ARTICLE and "Medvedev" in hits[0].text
        assert set(runtime.lexical.chunk_ids) == ids


def test_bm25_finds_a_name_the_page_glued_to_the_next_word(sample_runtime):
    """The sample's "… US President Joe BidenXi Jinping said …": BM25 indexes the parts beside the glued word."""
    hits = sample_runtime.assistant.retriever.lexical_hits("Biden", 1)
    assert hits and "BidenXi" in hits[0].text
    answer = sample_runtime.assistant.answer("What did Xi tell Biden?")
    assert any("very alarmed" in c.quote and c.article_id == XI_ARTICLE for c in answer.citations), answer.text


def test_an_index_saved_with_an_older_text_version_is_rebuilt(tmp_path, embedder):
    with Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder) as runtime:
        runtime.ingest([SAMPLE])
        runtime.lexical.db.execute("UPDATE facts SET value = '2' WHERE key = 'text_version'")
        folder = runtime.lexical.folder
    with Runtime(Settings(store_path=tmp_path / "store"), embedder=embedder) as runtime:
        assert runtime.lexical.size == 0  # emptied on open, then filled from Chroma by the first question
        assert runtime.assistant.retriever.lexical_hits("Biden", 1)
        assert runtime.lexical.size == runtime.store.count()
    assert LexicalIndex._fact(sqlite3.connect(folder / DATABASE), "text_version") == str(TEXT_VERSION)


def test_only_a_glued_word_few_articles_hold_is_a_lost_space(tmp_path):
    index = LexicalIndex(tmp_path / "lexical")
    texts = [f"Article {n} on TikTok and YouTube." for n in range(3)] + ["Joe BidenXi Jinping said", "A ChatGPT"]
    index.apply([Hit(f"c{n}", f"a{n}", "", "", None, 0, len(t), t, 0.0) for n, t in enumerate(texts)], [])
    assert [chunk_id for chunk_id, _ in index.search("Biden", 5)] == ["c3"]  # a page that lost a space
    assert index.search("Tok", 5) == [] and index.search("GPT", 5) == []  # TikTok: three articles, a name
    assert glued_words("A ChatGPT") == []  # ChatGPT has no word "GPT"
