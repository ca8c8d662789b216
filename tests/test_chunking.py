from dataclasses import replace

from index.articles import Article, load_articles
from index.chunking import sentence_spans, split_article
from index.cleaning import clean_article
from tests.conftest import SAMPLE


def test_chunks_are_exact_slices_within_the_token_window(embedder):
    for article in map(clean_article, load_articles([SAMPLE])):
        chunks = split_article(article, embedder.count_tokens, 200)
        assert chunks, article.id
        for chunk in chunks:
            assert article.text[chunk.start : chunk.end] == chunk.text
        assert max(embedder.count_tokens([c.text for c in chunks])) <= 200
        assert len({c.id for c in chunks}) == len(chunks)


def test_every_sentence_lands_in_exactly_one_chunk(embedder):
    article = clean_article(next(a for a in load_articles([SAMPLE]) if a.id.startswith("001")))
    chunks = split_article(article, embedder.count_tokens, 120)
    assert len(chunks) > 1
    for start, end in sentence_spans(article.text):
        assert sum(c.start <= start and end <= c.end for c in chunks) == 1


def test_an_overlong_sentence_is_cut_at_words(embedder):
    text = "Talks " + " ".join(f"word{n}" for n in range(400)) + " ended."
    article = Article("long", "Long", text)
    chunks = split_article(article, embedder.count_tokens, 64)
    assert len(chunks) > 3
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
    assert max(embedder.count_tokens([c.text for c in chunks])) <= 64


def test_chunk_ids_depend_on_content_not_on_the_file_name(embedder):
    article = next(load_articles([SAMPLE]))
    renamed = replace(article, id="copy-of-it", source="elsewhere.txt")
    ids = [c.id for c in split_article(article, embedder.count_tokens, 200)]
    assert ids == [c.id for c in split_article(renamed, embedder.count_tokens, 200)]
