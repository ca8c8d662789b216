"""(question, sentence, label) pairs for the reader, by distant supervision from question sets with a gold answer.

A sentence of the passages retrieved for a question (as of its date) is a positive when it holds the gold answer,
and a negative otherwise; the hardest negatives are the sentences naming a wrong option and those sharing most words
with the question, because those are what the heuristic reader confuses. An unanswerable question of the sample
sets gives only negatives: that is how the reader learns to abstain on-topic.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from assistant.choices import claim, dated, naming_evidence
from assistant.evaluation.metrics import expected_in
from assistant.evaluation.questions import EvalQuestion
from assistant.question import asks_for_exception, content_terms, option_role
from assistant.retrieval import Retriever
from index.chunking import sentence_spans
from index.store import Hit

PASSAGES = 10  # the question's own passages read for sentences
OPTION_PASSAGES = 5  # BM25 passages per "question + option", as the multiple-choice reader reads them
MAX_POSITIVES = 4
MAX_NEGATIVES = 12
MIN_CHARS = 25
EARLIER_DAYS = 45
EARLIER_NEGATIVES = 8
UNDATED = 0.2  # the share of multiple-choice pairs shown without the sentence's age, as a question without a day is


@dataclass(frozen=True)
class Example:
    question: str
    sentence: str
    label: float
    source: str  # the question's id: examples of one question stay on one side of any split of them


def examples_for(retriever: Retriever, question: EvalQuestion, as_of: date | None, rng: random.Random) -> list[Example]:
    """Nothing for an answerable question whose passages never hold its answer: a set of negatives only would
    teach that the right sentence is missing when retrieval failed, not that it does not answer."""
    hits = retriever.retrieve(question.question, k=PASSAGES, as_of=as_of)
    for option in question.choices:
        hits += retriever.lexical_hits(f"{question.question} {option}", OPTION_PASSAGES, as_of)
    sentences = _sentences(hits)
    asked = content_terms(question.question)
    wrong = [content_terms(o) for i, o in enumerate(question.choices) if i != question.answer_index]
    positives, hard, rest = [], [], []
    for text in sentences:
        if question.answerable and expected_in(question, text):
            positives.append(text)
        elif any(terms and terms <= content_terms(text) for terms in wrong):
            hard.append(text)
        else:
            rest.append(text)
    if question.answerable and not positives:
        return []
    by_overlap = sorted(rest, key=lambda s: len(asked & content_terms(s)), reverse=True)
    positives = sorted(positives, key=lambda s: len(asked & content_terms(s)), reverse=True)[:MAX_POSITIVES]
    rng.shuffle(hard)
    half = MAX_NEGATIVES // 2
    negatives = hard[:half] + by_overlap[: MAX_NEGATIVES - min(half, len(hard)) - 2]
    leftover = [s for s in rest if s not in negatives]
    negatives += rng.sample(leftover, min(2, len(leftover)))
    return [Example(question.question, s, 1.0, question.id) for s in positives] + [
        Example(question.question, s, 0.0, question.id) for s in negatives
    ]


def option_examples(
    retriever: Retriever, question: EvalQuestion, as_of: date | None, rng: random.Random
) -> list[Example]:
    """("question + option", sentence) pairs, read as the multiple-choice reader reads them (`naming_evidence`): the
    sentences naming the right option that share a word with the question are positives, those naming a wrong one
    negatives. Exception questions ask for the option the evidence does not back: left out."""
    if question.answer_index is None or asks_for_exception(question.question):
        return []
    hits = retriever.retrieve(question.question, k=PASSAGES, as_of=as_of)
    read = [retriever.lexical_hits(f"{question.question} {o}", OPTION_PASSAGES, as_of) for o in question.choices]
    asked = content_terms(question.question)
    named = naming_evidence(question.choices, asked, [[*hits, *found] for found in read])
    made = []
    for index, (option, group) in enumerate(zip(question.choices, named, strict=True)):
        if option_role(option) != "own":
            continue
        right = index == question.answer_index
        for hit, text in group:
            if right and not asked & content_terms(text):
                continue
            shown = text if rng.random() < UNDATED else dated(text, hit.published, as_of)
            made.append(
                Example(
                    claim(question.question, option), " ".join(shown.split()), float(right), f"{question.id}#choices"
                )
            )
    return made if any(e.label for e in made) else []


def before_the_news(
    retriever: Retriever, question: EvalQuestion, as_of: date, rng: random.Random, days: int = EARLIER_DAYS
) -> list[Example]:
    """The question asked `days` before its date: passages on the same people and places, written before the news
    it asks about, so none says the answer. Only negatives, the highest word overlap first: the on-topic question
    the articles do not answer, which the heuristic reader answered with a loosely related sentence."""
    hits = retriever.retrieve(question.question, k=PASSAGES, as_of=as_of - timedelta(days=days))
    sentences = _sentences(hits)
    if not sentences or any(expected_in(question, text) for text in sentences):
        return []
    asked = content_terms(question.question)
    by_overlap = sorted(sentences, key=lambda s: len(asked & content_terms(s)), reverse=True)
    return [Example(question.question, s, 0.0, f"{question.id}@earlier") for s in by_overlap[:EARLIER_NEGATIVES]]


def _sentences(hits: Sequence[Hit]) -> list[str]:
    seen: dict[str, None] = {}
    for hit in hits:
        for start, end in sentence_spans(hit.text):
            text = " ".join(hit.text[start:end].split())
            if len(text) >= MIN_CHARS:
                seen.setdefault(text, None)
    return list(seen)


def write_examples(path: Path, examples: Iterator[Example]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as out:
        for example in examples:
            out.write(json.dumps(asdict(example), ensure_ascii=False) + "\n")
            count += 1
    return count


def read_examples(path: Path) -> list[Example]:
    with open(path, encoding="utf-8") as lines:
        return [Example(**json.loads(line)) for line in lines if line.strip()]
