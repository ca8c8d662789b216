"""Record once what the heuristics and the trained reader say about each question, then replay weightings of them
without answering again (issue 26: a weighting is chosen on `dev`, then checked once on `test`).

    NEWSDESK_READER_WEIGHT=1 python bench/replay.py record --store DIR --split dev QUESTIONS.jsonl --out runs/dev.jsonl
    python bench/replay.py replay runs/dev.jsonl

`record` asks each question as `newsdesk eval --as-of-question-date` does and writes, per question, every
multiple-choice signal's raw value for each option (`Choice.signals`) and,
for the answer sentences, each one's heuristic score, the reader's probability and whether it holds the gold answer.
`replay` prints the multiple-choice accuracy of several weightings (signals scaled to their best option, summed;
exception questions take the least-backed option, an "All of the above" the run chose stays chosen, as in
`assistant/choices.py`) and how often the best sentence holds the answer at several reader weights (the answer's
lead, before abstention and followers).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answer import asked_of  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.evaluation.metrics import expected_in  # noqa: E402
from assistant.evaluation.questions import EvalQuestion  # noqa: E402
from assistant.question import asks_for_exception, option_role  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from bench.recording import record_and_replay, recorded_questions  # noqa: E402
from index.embedding import OFFLINE_ENV  # noqa: E402

SENTENCES = 16  # answer sentences recorded per question, best heuristic score first
READER_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
SIGNALS = ("support", "closeness", "conditioned", "best_bm25", "naming_closeness")
# The five signals equal (what assistant/choices.py does), then each left out in turn: what each one adds; then the
# reader's option signal (recorded when NEWSDESK_READER_OPTION_WEIGHT > 0; record with a tiny weight such as 1e-6 so
# the run's own picks stay the heuristics') at several weights, and alone.
OPTION_WEIGHTS = (0.5, 1.0, 1.5, 2.0, 3.0)
WEIGHTINGS: dict[str, tuple[float, ...]] = (
    {"five signals, equal": (1, 1, 1, 1, 1)}
    | {f"without {name}": tuple(float(i != left) for i in range(len(SIGNALS))) for left, name in enumerate(SIGNALS)}
    | {f"five + reader's option signal at {w}": (1, 1, 1, 1, 1, w) for w in OPTION_WEIGHTS}
    | {"reader's option signal alone": (0, 0, 0, 0, 0, 1)}
)


def main() -> int:
    parser, _ = record_and_replay(__doc__ or "", "signals")
    args = parser.parse_args()
    if args.step == "record":
        return _record(args.store, recorded_questions(args), args.out)
    return _replay(args.signals)


def _record(store: Path, questions: list[EvalQuestion], out: Path) -> int:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    questions = [q for q in questions if q.choices]
    with Runtime(Settings(store_path=store)) as runtime, open(out, "w", encoding="utf-8") as written:
        for number, question in enumerate(questions, start=1):
            answer, choice = runtime.assistant.choose(question.question, question.choices, question.asked_on, (), 10)
            read = answer.passages[: runtime.settings.top_k]
            answerer = runtime.assistant.answerer
            candidates = answerer.score(asked_of(answer.read_as, " ".join(h.text for h in read)), read)
            by_heuristic = sorted(candidates, key=lambda c: c.own_score)
            row = {
                "id": question.id,
                "answer": question.answer_index,
                "chosen": choice.index,
                "exception": asks_for_exception(question.question),
                "roles": [option_role(option) for option in question.choices],
                "signals": choice.signals,
                "sentences": [
                    [c.own_score, c.reading, expected_in(question, c.text)] for c in reversed(by_heuristic[-SENTENCES:])
                ],
            }
            written.write(json.dumps(row) + "\n")
            if number % 50 == 0:
                print(f"{number}/{len(questions)}", file=sys.stderr)
    return 0


def _replay(path: Path) -> int:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    print(f"{len(rows)} questions; the run itself: {sum(r['chosen'] == r['answer'] for r in rows) / len(rows):.1%}")
    recorded = min(len(row["signals"]) for row in rows)
    for name, weights in WEIGHTINGS.items():
        if len(weights) > recorded:
            continue
        right = sum(_pick(row, weights) == row["answer"] for row in rows)
        print(f"{name:40s} {right / len(rows):6.1%}  ({right})")
    with_reader = [r for r in rows if r["sentences"] and r["sentences"][0][1] is not None]
    for weight in READER_WEIGHTS if with_reader else ():
        holds = sum(max(r["sentences"], key=lambda s: s[0] + weight * s[1])[2] for r in with_reader)
        print(f"answer's lead holds the gold, reader weight {weight:4.2f}: {holds / len(with_reader):6.1%}  ({holds})")
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
