"""SQLite FTS5 against tantivy (what index/bm25_engine.py uses) for the lexical index, in one run on the same chunks.

    python bench/lexical_engines.py --store DIR [--split dev]

Both engines index the same Snowball stems of every chunk held by DIR's lexical index (each chunk with its headline,
as index/lexical.py keeps them) and answer the same queries: the question's stems OR'ed, top 60, only chunks dated
on or before the question's day (undated kept). Prints, per engine: time to index everything, time to add 10 chunks
and see them searchable, query p50 / p95, and BM25-alone R@1/5/10 on RealTimeQA H1's split (distinct articles in rank
order, over questions whose gold pool has an article in the store).
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from assistant.evaluation.splits import SPLITS  # noqa: E402
from index.english import stopwords  # noqa: E402
from index.lexical import DATABASE, terms  # noqa: E402

QUESTIONS = PROJECT.parent / "shared" / "benchmarks" / "realtimeqa" / "questions-2023H1.jsonl"
K = 60
Search = Callable[[list[str], int], list[int]]  # (query stems, as-of day) → rows, best first


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="a built store (its lexical-newsdesk/ is read)")
    parser.add_argument("--split", choices=sorted(SPLITS), default="dev")
    args = parser.parse_args()
    source = sqlite3.connect(f"file:{args.store / 'lexical-newsdesk' / DATABASE}?mode=ro", uri=True)
    rows = source.execute("SELECT row, article_id, day, body FROM chunks ORDER BY row").fetchall()
    owner = {row: article for row, article, *_ in rows}
    docs = [(row, day, body) for row, _, day, body in rows]  # the stems index/lexical.py gives its engine
    questions = load_questions(args.split, set(owner.values()))
    print(f"{len(docs):,} chunks; {len(questions)} {args.split} questions with a gold article in the store")
    with tempfile.TemporaryDirectory(prefix="newsdesk-engines-") as folder:
        for name, build in (("sqlite fts5", build_fts5), ("tantivy", build_tantivy)):
            started = time.perf_counter()
            search, add = build(docs, Path(folder) / name.replace(" ", "-"))
            built = time.perf_counter() - started
            started = time.perf_counter()
            add([(10**9 + n, 20230101, f"benchword{n} addition") for n in range(10)])
            added = time.perf_counter() - started
            assert search(["benchword3"], 20230101) == [10**9 + 3], f"{name}: an added chunk is not found"
            report(name, built, added, search, questions, owner)
    return 0


def load_questions(split: str, stored: set[str]) -> list[tuple[list[str], int, set[str]]]:
    first, last = SPLITS[split]
    found = []
    for line in QUESTIONS.read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        asked = date(*map(int, q["date"].split("/")))
        gold = set(q["pool_doc_ids"]) & stored
        if first <= asked <= last and gold:
            found.append((sorted(set(terms(q["question"], stopwords()))), int(asked.strftime("%Y%m%d")), gold))
    return found


def build_fts5(docs: Sequence[tuple[int, int, str]], folder: Path) -> tuple[Search, Callable]:
    folder.mkdir(parents=True)
    db = sqlite3.connect(folder / "index.sqlite3", isolation_level=None)
    db.executescript(
        "CREATE TABLE days(row INTEGER PRIMARY KEY, day INTEGER NOT NULL);"
        'CREATE VIRTUAL TABLE terms USING fts5(body, tokenize="unicode61 remove_diacritics 0");'
    )

    def add(batch: Sequence[tuple[int, int, str]]) -> None:
        db.execute("BEGIN")
        db.executemany("INSERT INTO days VALUES (?, ?)", [(row, day) for row, day, _ in batch])
        db.executemany("INSERT INTO terms(rowid, body) VALUES (?, ?)", [(row, body) for row, _, body in batch])
        db.execute("COMMIT")

    def search(stems: list[str], day: int) -> list[int]:
        match = " OR ".join(f'"{stem}"' for stem in stems)
        sql = (
            "SELECT terms.rowid FROM terms JOIN days d ON d.row = terms.rowid WHERE terms MATCH ? "
            "AND (d.day <= ? OR d.day = 0) ORDER BY bm25(terms) LIMIT ?"
        )
        return [row for (row,) in db.execute(sql, (match, day, K))] if stems else []

    add(docs)
    return search, add


def build_tantivy(docs: Sequence[tuple[int, int, str]], folder: Path) -> tuple[Search, Callable]:
    import tantivy
    from tantivy import FieldType, Occur, Query

    folder.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", tokenizer_name="whitespace")
    builder.add_integer_field("row", stored=True, indexed=True, fast=True)
    builder.add_integer_field("day", indexed=True, fast=True)
    schema = builder.build()
    index = tantivy.Index(schema, path=str(folder))
    writer = index.writer(heap_size=200_000_000, num_threads=1)

    def add(batch: Sequence[tuple[int, int, str]]) -> None:
        for row, day, body in batch:
            writer.add_document(tantivy.Document(row=row, day=day, body=body))
        writer.commit()
        index.reload()

    def search(stems: list[str], day: int) -> list[int]:
        if not stems:
            return []
        words = Query.boolean_query([(Occur.Should, Query.term_query(schema, "body", stem)) for stem in stems])
        dated = Query.boolean_query(
            [
                (Occur.Should, Query.range_query(schema, "day", FieldType.Integer, None, day)),
                (Occur.Should, Query.term_query(schema, "day", 0)),
            ]
        )
        query = Query.boolean_query([(Occur.Must, words), (Occur.Must, Query.const_score_query(dated, 0.0))])
        searcher = index.searcher()
        return [searcher.doc(address)["row"][0] for _, address in searcher.search(query, K).hits]

    add(docs)
    return search, add


def report(name: str, built: float, added: float, search: Search, questions, owner: dict[int, str]) -> None:
    took, hits = [], {1: 0, 5: 0, 10: 0}
    for stems, day, gold in questions:
        started = time.perf_counter()
        rows = search(stems, day)
        took.append(time.perf_counter() - started)
        articles: list[str] = []
        for row in rows:
            if owner.get(row) not in articles:
                articles.append(owner[row])
        for k in hits:
            hits[k] += bool(set(articles[:k]) & gold)
    p50, p95 = statistics.median(took) * 1000, statistics.quantiles(took, n=20)[18] * 1000
    recall = " / ".join(f"{100 * hits[k] / len(questions):.1f}" for k in (1, 5, 10))
    print(f"{name:12} index {built:6.1f} s · add 10 chunks {added * 1000:7.1f} ms · query p50 {p50:5.1f} ms, p95 "
          f"{p95:5.1f} ms · R@1/5/10 {recall}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
