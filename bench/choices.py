"""Record the multiple-choice reader's signals once, then replay weightings of them without answering again.

    python bench/choices.py record --store DIR --split dev QUESTIONS.jsonl --out runs/signals-dev.jsonl
    python bench/choices.py replay runs/signals-dev.jsonl

`record` asks each question as `newsdesk eval --as-of-question-date` does and writes, per question, every signal's
raw value for each option (`Choice.signals`; the sixth is the trained reader's when it is on). `replay` sums the
signals, each scaled to its best option, under several weightings and prints the accuracy of each: a weighting is
chosen on `dev` and then checked once on `test` (issue 26). Exception questions take the least-backed option and an
"All of the above" the run chose stays chosen, as in `assistant/choices.py`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.evaluation.questions import load_questions  # noqa: E402
from assistant.evaluation.splits import SPLITS, in_split  # noqa: E402
from assistant.question import asks_for_exception, option_role  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from index.embedding import OFFLINE_ENV  # noqa: E402

SIGNALS = ("support", "closeness", "conditioned", "best_bm25", "naming_closeness", "reader")
WEIGHTINGS: dict[str, tuple[float, ...]] = {
    "five signals (no reader)": (1, 1, 1, 1, 1, 0),
    "six, equal": (1, 1, 1, 1, 1, 1),
    "six, reader x2": (1, 1, 1, 1, 1, 2),
    "six, reader x3": (1, 1, 1, 1, 1, 3),
    "reader instead of naming closeness": (1, 1, 1, 1, 0, 1),
    "reader alone": (0, 0, 0, 0, 0, 1),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    record = steps.add_parser("record")
    record.add_argument("--store", type=Path, required=True)
    record.add_argument("--split", choices=sorted(SPLITS), required=True)
    record.add_argument("questions", type=Path)
    record.add_argument("--out", type=Path, required=True)
    replay = steps.add_parser("replay")
    replay.add_argument("signals", type=Path)
    args = parser.parse_args()
    if args.step == "record":
        return _record(args.store, args.split, args.questions, args.out)
    return _replay(args.signals)


def _record(store: Path, split: str, path: Path, out: Path) -> int:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    questions = [q for q in in_split(load_questions(path).questions, split) if q.choices]
    with Runtime(Settings(store_path=store)) as runtime, open(out, "w", encoding="utf-8") as written:
        for number, question in enumerate(questions, start=1):
            _, choice = runtime.assistant.choose(question.question, question.choices, question.asked_on, (), 10)
            row = {
                "id": question.id,
                "answer": question.answer_index,
                "chosen": choice.index,
                "exception": asks_for_exception(question.question),
                "roles": [option_role(option) for option in question.choices],
                "signals": choice.signals,
            }
            written.write(json.dumps(row) + "\n")
            if number % 50 == 0:
                print(f"{number}/{len(questions)}", file=sys.stderr)
    return 0


def _replay(path: Path) -> int:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{len(rows)} questions; the run itself: {sum(r['chosen'] == r['answer'] for r in rows) / len(rows):.1%}")
    for name, weights in WEIGHTINGS.items():
        if weights[5] and len(rows[0]["signals"]) < len(SIGNALS):
            continue  # recorded without the reader
        right = sum(_pick(row, weights) == row["answer"] for row in rows)
        print(f"{name:40s} {right / len(rows):6.1%}  ({right})")
    return 0


def _pick(row: dict, weights: Sequence[float]) -> int:
    roles = row["roles"]
    own = [i for i, role in enumerate(roles) if role == "own"] or list(range(len(roles)))
    if roles[row["chosen"]] == "all":
        return row["chosen"]
    totals = [0.0] * len(roles)
    for weight, values in zip(weights, row["signals"], strict=False):
        top = max(values, default=0.0)
        for i, value in enumerate(values):
            totals[i] += weight * (value / top if top > 0 else 0.0)
    choose = min if row["exception"] else max
    return choose(own, key=lambda i: totals[i])


if __name__ == "__main__":
    sys.exit(main())
