"""Metrics of an eval run, defined as ../shared/eval/score.py defines them (a test holds the two equal).

Per gold kind (realtimeqa, seed): R@k over eligible questions, answer_contains, EM/F1 (RealTimeQA's normalisation),
multiple-choice accuracy, citation support / in-gold / precision, abstention both ways, latency percentiles.
`outcomes()` keeps the per-question verdicts the report groups and lists.
"""

from __future__ import annotations

import math
import os
import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.evaluation.questions import EvalQuestion

# A prediction without the explicit flag counts as abstained when its text says it cannot answer (score.py's rule).
_ABSTAINS = re.compile(
    r"\bi (do not|don't|dont) know\b|\bcannot (be )?(answer|determine|find|tell)|\bcan't (answer|determine|find|tell)"
    r"|\bnot (enough|sufficient) (information|context|evidence)|\binsufficient (information|context|evidence)"
    r"|\bno (relevant |such )?information\b|\b(is|are|was|were) not (mentioned|stated|specified|provided|found"
    r"|available|covered)|\b(does|do|did)(n't| not) (say|mention|contain|provide|specify|state)\b"
    r"|\bunable to (answer|find|determine)|\bunanswerable\b|\bno answer\b|\bnot in the (provided|given|retrieved) ",
    re.I,
)
_PUNCTUATION = set(string.punctuation)
_QUOTES = {"\u2019", "\u2018", "\u201c", "\u201d"}


def squad_normal(text: str) -> str:
    text = "".join(ch for ch in (text or "").lower() if ch not in _PUNCTUATION and ch not in _QUOTES)
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def rtqa_normal(text: str) -> str:
    return " ".join("".join(ch for ch in (text or "").lower() if ch not in _PUNCTUATION).split())


def holds_tokens(haystack: str, needle: str) -> bool:
    needle = squad_normal(needle)
    return bool(needle) and f" {needle} " in f" {squad_normal(haystack)} "


def exact_match(predicted: str, gold: str) -> float:
    return float(rtqa_normal(predicted) == rtqa_normal(gold))


def token_f1(predicted: str, gold: str) -> float:
    mine, theirs = rtqa_normal(predicted).split(), rtqa_normal(gold).split()
    common = sum((Counter(mine) & Counter(theirs)).values())
    if not common:
        return 0.0
    precision, recall = common / len(mine), common / len(theirs)
    return 2 * precision * recall / (precision + recall)


def abstained(prediction: dict | None) -> bool:
    if prediction is None:
        return False
    if isinstance(prediction.get("abstained"), bool):
        return prediction["abstained"]
    text = (prediction.get("answer") or "").strip()
    return not text or bool(_ABSTAINS.search(text))


def nearest_rank(values: Sequence[float], percent: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def source_matches(source: str, doc_id: str) -> bool:
    if not source or not doc_id:
        return False
    base = os.path.splitext(os.path.basename(str(doc_id).rstrip("/")))[0]
    return source == "*" or any(base == s or base.startswith(s + "_") for s in source.split("|"))


def expected_in(question: EvalQuestion, text: str) -> bool:
    """Whether `text` holds the gold answer: token run for RealTimeQA, substring(s) for simple sets."""
    if question.kind == "realtimeqa":
        return holds_tokens(text, question.answer_text)
    lowered = (text or "").lower()
    if question.expect_all:
        return all(e.lower() in lowered for e in question.expect_all)
    return any(e.lower() in lowered for e in question.expect_any)


def first_holding(question: EvalQuestion, passages: Sequence[str]) -> int | None:
    """How many of the passages read, from the top, it takes to hold the gold answer; None when all of them don't.
    It splits a miss in two: the answer was never retrieved, or it was there and the reader did not take it."""
    for depth in range(1, len(passages) + 1):
        if expected_in(question, "\n".join(passages[:depth])):
            return depth
    return None


def gold_in_passages(found: Sequence[Outcome], ks: Sequence[int]) -> dict:
    """Over the answerable questions whose prediction records it: the share whose gold answer is in the top k
    passages read, and how often the answer was right with the gold in the passages and without it."""
    recorded = [o for o in found if o.question.answerable and o.prediction and "gold_in_passages_at" in o.prediction]
    depths = [o.prediction["gold_in_passages_at"] for o in recorded]
    there = [o for o, depth in zip(recorded, depths, strict=True) if depth is not None]
    missing = [o for o, depth in zip(recorded, depths, strict=True) if depth is None]
    return {
        "n": len(recorded),
        "at_k": {str(k): _mean([d is not None and d <= k for d in depths]) for k in ks},
        "anywhere": _mean([d is not None for d in depths]),
        "right_when_there": _mean([not o.failed for o in there]),
        "right_when_missing": _mean([not o.failed for o in missing]),
    }


@dataclass
class Outcome:
    """One question's verdicts; None = not applicable to this question."""

    question: EvalQuestion
    prediction: dict | None
    abstained: bool
    hits: dict[int, bool] = field(default_factory=dict)
    contains: bool | None = None
    mc_correct: bool | None = None
    supported: bool | None = None
    cites_gold: bool | None = None

    @property
    def failed(self) -> bool:
        if not self.question.answerable:
            return not self.abstained
        if self.mc_correct is not None:
            return not self.mc_correct
        return not self.contains


def _gold_doc(question: EvalQuestion, corpus: set[str] | None):
    if question.kind == "realtimeqa":
        pool = question.pool & corpus if corpus is not None else question.pool
        return (lambda doc: doc in pool), bool(pool)
    eligible = question.answerable and bool(question.source)
    return (lambda doc: source_matches(question.source, doc)), eligible


def outcomes(
    predictions: Sequence[dict], questions: Sequence[EvalQuestion], ks: Sequence[int], corpus: set[str] | None = None
) -> list[Outcome]:
    by_id = {p.get("id"): p for p in predictions}
    found = []
    for question in questions:
        prediction = by_id.get(question.id)
        outcome = Outcome(question, prediction, abstained(prediction))
        is_gold, eligible = _gold_doc(question, corpus)
        if eligible:
            retrieved = (prediction or {}).get("retrieved") or []
            outcome.hits = {k: any(is_gold(doc) for doc in retrieved[:k]) for k in ks}
        if question.answerable:
            answer = (prediction or {}).get("answer") or ""
            outcome.contains = not outcome.abstained and expected_in(question, answer)
            if prediction is not None and isinstance(prediction.get("choice_index"), int):
                outcome.mc_correct = prediction["choice_index"] == question.answer_index
            if prediction is not None and not outcome.abstained:
                citations = [c for c in prediction.get("citations") or [] if isinstance(c, dict)]
                outcome.supported = expected_in(question, "\n".join(c.get("text") or "" for c in citations))
                if eligible:
                    outcome.cites_gold = any(is_gold(c.get("doc_id")) for c in citations)
        found.append(outcome)
    return found


def _mean(flags: Sequence[bool | float]) -> float | None:
    return sum(flags) / len(flags) if flags else None


def summarise(
    predictions: Sequence[dict], questions: Sequence[EvalQuestion], ks: Sequence[int], corpus: set[str] | None = None
) -> dict:
    """The metrics.json content: an `_overall` block, then one block per gold kind, keyed as score.py keys them."""
    by_id: dict = {}
    duplicates = 0
    for prediction in predictions:
        duplicates += prediction.get("id") in by_id
        by_id[prediction.get("id")] = prediction
    ids = {q.id for q in questions}
    result: dict = {
        "_overall": {
            "n_gold": len(questions),
            "n_pred_lines": len(predictions),
            "n_pred_matched": sum(q.id in by_id for q in questions),
            "n_pred_unknown_id": sum(1 for i in by_id if i not in ids),
            "n_pred_duplicate_id": duplicates,
        }
    }
    everything = outcomes(predictions, questions, ks, corpus)
    for kind in dict.fromkeys(q.kind for q in questions):
        result[kind] = _kind_block(kind, [o for o in everything if o.question.kind == kind], ks)
    return result


def _kind_block(kind: str, group: list[Outcome], ks: Sequence[int]) -> dict:
    answerable = [o for o in group if o.question.answerable]
    eligible = [o for o in group if o.hits]
    answered = [o for o in answerable if o.supported is not None]
    latencies = [
        float(o.prediction["latency_ms"])
        for o in group
        if o.prediction is not None and isinstance(o.prediction.get("latency_ms"), int | float)
    ]
    block: dict = {
        "n": len(group),
        "n_answerable": len(answerable),
        "n_retrieval_eligible": len(eligible),
        "n_eligible_without_retrieved": sum(
            1 for o in eligible if o.prediction is None or o.prediction.get("retrieved") is None
        ),
    }
    block |= {f"R@{k}": _mean([o.hits[k] for o in eligible]) for k in ks}
    block["answer_contains"] = _mean([bool(o.contains) for o in answerable])
    if kind == "realtimeqa":
        generated = [o for o in answerable if "except" not in o.question.question.lower().strip()[-10:]]
        texts = [("" if o.abstained else (o.prediction or {}).get("answer") or "", o) for o in generated]
        block["n_gen_scored"] = len(generated)
        block["EM"] = _mean([exact_match(t, o.question.answer_text) for t, o in texts])
        block["F1"] = _mean([token_f1(t, o.question.answer_text) for t, o in texts])
        choices = [o.mc_correct for o in answerable if o.mc_correct is not None]
        block["n_with_choice_index"] = len(choices)
        block["mc_accuracy"] = _mean(choices)
    block["n_answered"] = len(answered)
    block["answered_with_citation"] = _mean([bool(o.prediction.get("citations")) for o in answered])
    block["citation_support"] = _mean([bool(o.supported) for o in answered])
    block["citation_in_gold"] = _mean([o.cites_gold for o in answered if o.cites_gold is not None])
    block["citation_precision"] = _mean([f for o in answered for f in citation_flags(o.prediction)])
    block["false_abstention"] = _mean([o.abstained for o in answerable])
    if kind == "seed":
        unanswerable = [o.abstained for o in group if not o.question.answerable]
        block["n_unanswerable"] = len(unanswerable)
        block["abstention_rate"] = _mean(unanswerable)
    block["n_latency"] = len(latencies)
    block["latency_p50_ms"] = nearest_rank(latencies, 50)
    block["latency_p95_ms"] = nearest_rank(latencies, 95)
    return block


def citation_flags(prediction: dict) -> list[bool]:
    """Per citation: does its span support the answer? Quoted verbatim in it, or (short answers) holding it."""
    answer = " ".join((prediction.get("answer") or "").split())
    flags = []
    for citation in prediction.get("citations") or []:
        if isinstance(citation, dict):
            text = " ".join((citation.get("text") or "").split())
            flags.append(bool(text and answer) and (text in answer or holds_tokens(text, answer)))
    return flags
