"""Choose the abstention threshold on data (NEWSDESK_MIN_EVIDENCE; with the reader NEWSDESK_READER_MIN_EVIDENCE).

    python bench/calibrate.py --store DIR QUESTIONS.jsonl [QUESTIONS.jsonl ...] [--corpus-ids ARTICLES.jsonl.gz]

Answers every question with abstention off (min_evidence 0), records the evidence score and whether the answer
holds the gold, then sweeps the threshold. A question "should abstain" when it is unanswerable (simple sets) or, for
RealTimeQA, when none of its gold articles is in the corpus. For each threshold it prints the false-answer rate
(should abstain, answered) and the false-refusal rate (answerable and answered correctly, refused).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.metrics import expected_in  # noqa: E402
from assistant.evaluation.questions import load_questions  # noqa: E402
from assistant.evaluation.splits import SPLITS, in_split  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from index.articles import Article, load_articles  # noqa: E402
from index.embedding import OFFLINE_ENV  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("questions", nargs="+", type=Path)
    parser.add_argument(
        "--before-the-news",
        type=int,
        metavar="DAYS",
        help="also ask each dated question as of DAYS earlier: should-abstain when no passage read holds its answer",
    )
    parser.add_argument("--sweep", default="0.05:0.95:0.05", metavar="FROM:TO:STEP", help="thresholds tried")
    parser.add_argument("--split", choices=sorted(SPLITS), help="only the questions asked in it")
    parser.add_argument(
        "--reader",
        action="store_true",
        help="sweep NEWSDESK_READER_MIN_EVIDENCE: the trained reader's probability is the evidence (reader on)",
    )
    parser.add_argument(
        "--corpus-ids",
        type=Path,
        help="articles file: RealTimeQA questions with no pool article in it count as should-abstain",
    )
    args = parser.parse_args()
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    corpus = {a.id for a in load_articles([args.corpus_ids]) if isinstance(a, Article)} if args.corpus_ids else None
    rows = []  # (evidence, should_abstain, correct)
    # With --reader, the reader's bar is swept on top of the heuristic one (NEWSDESK_MIN_EVIDENCE as configured): a
    # bar just above 0 makes the evidence the reader's probability (answer.Reading) and holds no sentence back.
    # Sentences are ranked as configured (NEWSDESK_READER_WEIGHT, 0 by default).
    bars = {"reader_min_evidence": 1e-9} if args.reader else {"min_evidence": 0.0, "reader_min_evidence": 0.0}
    settings = Settings(store_path=args.store, **bars)
    with Runtime(settings) as runtime:
        for path in args.questions:
            questions = load_questions(path).questions
            for question in in_split(questions, args.split) if args.split else questions:
                answer = runtime.assistant.answer(question.question, question.asked_on)
                if question.kind == "realtimeqa":
                    should_abstain = corpus is not None and not (question.pool & corpus)
                else:
                    should_abstain = not question.answerable
                correct = not answer.abstained and not should_abstain and expected_in(question, answer.text)
                rows.append((0.0 if answer.abstained else answer.evidence, should_abstain, correct))
                if args.before_the_news and question.asked_on is not None:
                    early = question.asked_on - timedelta(days=args.before_the_news)
                    answer = runtime.assistant.answer(question.question, early)
                    if not any(expected_in(question, hit.text) for hit in answer.passages):
                        rows.append((0.0 if answer.abstained else answer.evidence, True, False))
    negatives = [r for r in rows if r[1]]
    positives = [r for r in rows if r[2]]
    print(f"{len(rows)} questions: {len(negatives)} should abstain, {len(positives)} answered correctly at threshold 0")
    print("threshold  false-answer  false-refusal")
    first, last, step = (float(part) for part in args.sweep.split(":"))
    for n in range(round((last - first) / step) + 1):  # heuristic scores live in 0.2-0.7, the reader's in 0-1
        threshold = round(first + n * step, 4)
        false_answer = sum(r[0] >= threshold for r in negatives) / max(1, len(negatives))
        false_refusal = sum(r[0] < threshold for r in positives) / max(1, len(positives))
        print(f"{threshold:9.3f}  {false_answer:12.1%}  {false_refusal:13.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
