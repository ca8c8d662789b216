"""`newsdesk eval`: answer a question set, write predictions as they come (so a run resumes), then score it.

predictions.jsonl follows ../shared/eval/README.md exactly; metrics.json is `metrics.summarise` plus the groupings
the report plots; report.md / report.html are written by `eval_report`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from assistant.answer import Answer
from assistant.evaluation.metrics import Outcome, first_holding, gold_in_passages, outcomes, summarise
from assistant.evaluation.questions import EvalQuestion
from assistant.followup import Turn
from assistant.runtime import Runtime

PREDICTIONS = "predictions.jsonl"


@dataclass(frozen=True)
class EvalOptions:
    out: Path
    as_of_question_date: bool = False
    ks: tuple[int, ...] = (1, 5, 10)
    progress: bool = False


def predict(runtime: Runtime, question: EvalQuestion, options: EvalOptions) -> dict:
    started = time.perf_counter()
    as_of = question.asked_on if options.as_of_question_date else None
    if question.choices:
        answer, choice = runtime.assistant.choose(question.question, question.choices, as_of, (), max(options.ks))
    else:
        history = _conversation(runtime, question.history, as_of)
        answer, choice = runtime.assistant.answer(question.question, as_of, history, depth=max(options.ks)), None
    prediction = _prediction(question.id, answer)
    if question.answerable:  # the harness's own record, from the gold: was the answer there to be read?
        read = choice.evidence if choice is not None else answer.passages
        prediction["gold_in_passages_at"] = first_holding(question, [hit.text for hit in read])
    if question.history:
        prediction["standalone_question"] = answer.read_as
    if choice is not None:
        prediction["choice_index"] = choice.index
        prediction["retrieved"] = [hit.article_id for hit in choice.evidence]  # what the choice was read from
        if choice.support is not None:  # the option is the answer; the sentence naming it is the citation
            support = choice.support
            prediction["answer"] = question.choices[choice.index]
            prediction["abstained"] = False
            prediction["citations"] = [
                {"doc_id": support.hit.article_id, "text": support.text, "start": support.start, "end": support.end}
            ]
    prediction["latency_ms"] = round((time.perf_counter() - started) * 1000, 2)
    return prediction


def _conversation(runtime: Runtime, earlier: Sequence[str], as_of: date | None) -> list[Turn]:
    """The earlier questions asked in turn, each with the history before it, as the chat would have asked them."""
    history: list[Turn] = []
    for asked in earlier:
        answer = runtime.assistant.answer(asked, as_of, history)
        history.append(answer.turn())
    return history


def _prediction(question_id: str, answer: Answer) -> dict:
    return {
        "id": question_id,
        "answer": "" if answer.abstained else answer.text,
        "abstained": answer.abstained,
        "citations": [
            {"doc_id": c.article_id, "text": c.quote, "start": c.start, "end": c.end} for c in answer.citations
        ],
        "retrieved": [hit.article_id for hit in answer.passages],
    }


def read_predictions(path: Path) -> list[dict]:
    """Complete lines only: a line cut by an interrupted run is dropped (and answered again on resume)."""
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict) and "id" in record:
            found.append(record)
    return found


def run_eval(runtime: Runtime, questions: Sequence[EvalQuestion], options: EvalOptions) -> list[dict]:
    """Answers what predictions.jsonl does not hold yet; returns every prediction for `questions`."""
    from tqdm import tqdm

    options.out.mkdir(parents=True, exist_ok=True)
    path = options.out / PREDICTIONS
    wanted = {q.id for q in questions}
    done = {p["id"]: p for p in read_predictions(path) if p["id"] in wanted}
    with open(path, "w", encoding="utf-8") as out:  # rewritten whole: drops a torn last line
        for prediction in done.values():
            out.write(json.dumps(prediction, ensure_ascii=False) + "\n")
        todo = [q for q in questions if q.id not in done]
        for question in tqdm(todo, disable=not options.progress, unit="question", desc="eval", dynamic_ncols=True):
            prediction = predict(runtime, question, options)
            out.write(json.dumps(prediction, ensure_ascii=False) + "\n")
            out.flush()
            done[question.id] = prediction
    return [done[q.id] for q in questions]


def metrics_with_groups(
    predictions: Sequence[dict], questions: Sequence[EvalQuestion], ks: Sequence[int], corpus: set[str] | None
) -> tuple[dict, list[Outcome]]:
    """metrics.json: score.py's blocks, plus a recall curve and accuracy by source and by question kind."""
    metrics = summarise(predictions, questions, ks, corpus)
    curve_ks = list(range(1, max(ks) + 1))
    curve = outcomes(predictions, questions, curve_ks, corpus)
    eligible = [o for o in curve if o.hits]
    metrics["recall_curve"] = {str(k): _share([o.hits[k] for o in eligible]) for k in curve_ks}
    metrics["gold_in_passages"] = gold_in_passages(curve, curve_ks)
    metrics["accuracy_by_kind"] = _accuracy_by(curve, lambda o: o.question.category)
    metrics["accuracy_by_source"] = _accuracy_by(curve, lambda o: o.question.origin or "(none)")
    return metrics, curve


def _share(flags: Sequence[bool]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def _accuracy_by(found: list[Outcome], key) -> dict[str, dict]:
    groups: dict[str, list[bool]] = {}
    for outcome in found:
        groups.setdefault(key(outcome), []).append(not outcome.failed)
    return {name: {"n": len(flags), "accuracy": _share(flags)} for name, flags in sorted(groups.items())}
