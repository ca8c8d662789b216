import gzip
import json

import pytest

from index.articles import Article, LoadError, load_articles, parse_date
from tests.conftest import REALTIMEQA, SAMPLE, UN_ARTICLE


def split(items):
    articles = [i for i in items if isinstance(i, Article)]
    errors = [i for i in items if isinstance(i, LoadError)]
    return articles, errors


def test_sample_articles_load_with_ids_titles_and_the_date_prefix():
    articles, errors = split(list(load_articles([SAMPLE])))
    assert errors == []
    by_id = {a.id: a for a in articles}
    assert sorted(by_id) == sorted(p.stem for p in SAMPLE.glob("*.txt"))
    un = by_id[UN_ARTICLE]
    assert un.published is not None and un.published.isoformat() == "2022-11-16"
    assert un.text.startswith("China hopes that Ukraine will respond")
    assert by_id["001_99e80554701945ba"].title.startswith("Xi Jinping stated at the meeting with Medvedev")
    # the scraped page header ("3.8 C", "Friday, March 1, 2024") is not a headline
    assert (
        by_id["004_724809f77313d9e0"].title
        == "Chinese leader Xi Jinping will visit Russia at the invitation of Vladimir Putin"
    )


def test_broken_jsonl_line_is_named_and_the_rest_loads(tmp_path):
    feed = tmp_path / "feed.jsonl"
    good = {"id": "a1", "title": "One", "publish_date": "2023/01/05", "text": "Alpha story text."}
    lines = [
        json.dumps(good),
        '{"id": "a2", "text": "unterminated',
        json.dumps({**good, "id": "a3"}),
        json.dumps({"id": "a4", "title": "No text"}),
        json.dumps({**good, "id": "a5", "text": 17}),
    ]
    feed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    articles, errors = split(list(load_articles([feed])))
    assert [a.id for a in articles] == ["a1", "a3"]
    assert articles[0].published.isoformat() == "2023-01-05"
    assert [(e.line, str(e).split(": ")[0]) for e in errors] == [
        (2, f"{feed}:2"),
        (4, f"{feed}:4"),
        (5, f"{feed}:5"),
    ]
    assert "invalid JSON" in errors[0].message
    assert "missing 'text' field" in errors[1].message and "expected keys" in errors[1].message
    assert "should be a string, found int" in errors[2].message


def test_gzipped_jsonl_uses_url_ids(tmp_path):
    path = tmp_path / "feed.jsonl.gz"
    record = {
        "doc_id": "https://news.invalid/a",
        "title": "T",
        "publish_date": "2023-02-01T10:00:00Z",
        "text": "Body.",
    }
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
    (article,) = list(load_articles([path]))
    assert (article.id, article.url, str(article.published)) == (
        record["doc_id"],
        record["doc_id"],
        "2023-02-01",
    )


def test_html_keeps_visible_text_only(tmp_path):
    page = tmp_path / "story.html"
    page.write_text(
        "<html><head><title>Ignored</title><meta property='og:title' content='Real headline'>"
        "<meta property='article:published_time' content='2023-03-04T08:00:00Z'>"
        "<style>.x{color:red}</style><script>alert('x')</script></head><body><nav>Home | World</nav>"
        "<p>First <b>para</b>graph &amp; more.</p><p>Second paragraph.</p></body></html>",
        encoding="utf-8",
    )
    (article,) = list(load_articles([page]))
    assert article.title == "Real headline"
    assert str(article.published) == "2023-03-04"
    assert article.text == "First paragraph & more.\n\nSecond paragraph."


def test_unreadable_and_unsupported_files_are_errors_not_crashes(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("caf\xe9 story".encode("latin-1"))
    (tmp_path / "empty.md").write_text("  \n", encoding="utf-8")
    (tmp_path / "ok.md").write_text("A fine story about talks.", encoding="utf-8")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.pdf").write_bytes(b"%PDF-1.4")
    articles, errors = split(list(load_articles([tmp_path, tmp_path / "missing.txt", tmp_path / "other" / "x.pdf"])))
    assert [a.id for a in articles] == ["ok"]
    messages = sorted(str(e) for e in errors)
    assert any("latin1.txt" in m and "not UTF-8" in m for m in messages)
    assert any("empty.md" in m and "no article text" in m for m in messages)
    assert any("missing.txt" in m and "no such file" in m for m in messages)
    assert any("x.pdf" in m and "unsupported file type" in m for m in messages)


def test_date_spellings():
    assert str(parse_date("2023/01/05")) == "2023-01-05"
    assert str(parse_date("2023-01-05 10:00:00")) == "2023-01-05"
    with pytest.raises(ValueError):
        parse_date("last Tuesday")


@pytest.mark.skipif(not (REALTIMEQA / "articles-2023-01.jsonl.gz").exists(), reason="../shared benchmark absent")
def test_realtimeqa_january_file_loads_as_it_is():
    articles, errors = split(list(load_articles([REALTIMEQA / "articles-2023-01.jsonl.gz"])))
    assert errors == []
    assert len(articles) == 782
    assert all(a.id.startswith("http") and a.published for a in articles)


def test_a_gzip_bomb_line_is_refused_by_number_in_bounded_memory_and_the_next_line_loads(tmp_path):
    import tracemalloc

    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as out:  # ~200 KB on disk, one 200 MB line once expanded
        out.write(b'{"id": "huge", "text": "' + b"A" * (200 << 20) + b'"}\n')
        out.write(b'{"id": "after", "title": "After the bomb", "text": "A real sentence after the bomb."}\n')
    limit = 5_000_000
    tracemalloc.start()
    try:
        items = list(load_articles([bomb], limit))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    error, article = items
    assert isinstance(error, LoadError) and error.line == 1 and "209.7 MB is more than one article" in str(error)
    assert article.id == "after" and article.text == "A real sentence after the bomb."
    assert peak < limit + 8_000_000, peak  # the limit plus a piece, never the line
