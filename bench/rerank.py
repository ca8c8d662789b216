"""Would the trained reader rerank passages well? Record its scores for each question's passages once, replay weights.

    python bench/rerank.py record --store DIR --split dev QUESTIONS.jsonl --corpus-ids ARTICLES.jsonl.gz \
        --out runs/rerank-dev.jsonl
    python bench/rerank.py replay runs/rerank-dev.jsonl

`record` retrieves `DEPTH` passages per question as of its date (question only, as the chat path does) and scores each
passage with the reader as one pair (question, passage): one pair a passage, which a question can afford; its best
sentence instead (~160 pairs a question) took ~5 s a question here. `--since` keeps the questions asked from that day
(April: the dev questions the reader was not trained on). `replay` reorders by retrieval score + w × reader score and
prints R@1/5/10 against the gold pool and how often the top 5 passages hold the answer text, per weight, so a weight
is chosen on `dev` and checked on `test`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.metrics import expected_in  # noqa: E402
from assistant.reader import load_reader  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from bench.recording import record_and_replay, recorded_questions  # noqa: E402
from index.articles import Article, load_articles  # noqa: E402
from index.embedding import OFFLINE_ENV  # noqa: E402

DEPTH = 20
WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)


def main() -> int:
    parser, record = record_and_replay(__doc__ or "", "scores")
    record.add_argument("--corpus-ids", type=Path, required=True, help="the articles file the store was built from")
    args = parser.parse_args()
    if args.step == "record":
        return _record(args)
    return _replay(args.scores)


def _record(args: argparse.Namespace) -> int:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    corpus = {a.id for a in load_articles([args.corpus_ids]) if isinstance(a, Article)}
    settings = Settings(store_path=args.store)
    reader = load_reader(settings.reader_model, settings.reader_sha256)
    if reader is None:
        raise SystemExit(f"no reader at {settings.reader_model}: run `make reader` first")
    questions = recorded_questions(args)
    spent = 0.0
    with Runtime(settings) as runtime, open(args.out, "w", encoding="utf-8") as written:
        for number, question in enumerate(questions, start=1):
            hits = runtime.assistant.retriever.retrieve(question.question, DEPTH, question.asked_on)
            started = time.perf_counter()
            whole = reader.scores(question.question, [h.text for h in hits])
            spent += time.perf_counter() - started
            row = {
                "id": question.id,
                "eligible": bool(question.pool & corpus),
                "passages": [
                    {
                        "gold": h.article_id in question.pool,
                        "holds": expected_in(question, h.text),
                        "score": h.score,
                        "reader": p,
                    }
                    for h, p in zip(hits, whole, strict=True)
                ],
            }
            written.write(json.dumps(row) + "\n")
            if number % 50 == 0:
                print(f"{number}/{len(questions)}", file=sys.stderr)
    print(f"reader time per question ({DEPTH} passages): {1000 * spent / max(1, len(questions)):.0f} ms")
    return 0


def _replay(path: Path) -> int:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    eligible = [r for r in rows if r["eligible"]]
    print(f"{len(rows)} questions, {len(eligible)} with a gold article in the corpus")
    print("weight   R@1   R@5  R@10  answer in top 5")
    for weight in WEIGHTS:
        ranked = {r["id"]: sorted(r["passages"], key=lambda p: p["score"] + weight * p["reader"], reverse=True)
                  for r in rows}  # fmt: skip
        recall = [
            sum(any(p["gold"] for p in ranked[r["id"]][:k]) for r in eligible) / len(eligible) for k in (1, 5, 10)
        ]
        holds = sum(any(p["holds"] for p in ranked[r["id"]][:5]) for r in rows) / len(rows)
        figures = "  ".join(f"{100 * x:4.1f}" for x in recall)
        print(f"{weight:6.2f}  {figures}  {100 * holds:6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
