"""Multiple choice: pick the option the retrieved evidence supports best, and cite the sentence naming it.

Three signals, each scaled to the best option so none dominates by its units: (1) the best answer-scored sentence
that names the option (scaled by how much of the option it holds), (2) how often, and how high up, the retrieved
passages name it, (3) how close "question + option" is in meaning to the best sentences. Measured on the 120
January RealTimeQA questions: (1) alone 45.8 %, all three 51.7 % (docs/quality.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer import Candidate, ExtractiveAnswerer
from assistant.question import content_terms, normalise, profile
from index.store import Hit

_SENTENCES_COMPARED = 16


@dataclass(frozen=True)
class Choice:
    index: int
    score: float
    support: Candidate | None  # the best sentence naming the chosen option, if any does


def answer_choices(
    answerer: ExtractiveAnswerer, question: str, choices: Sequence[str], hits: Sequence[Hit], top_k: int
) -> Choice:
    """`hits` in rank order; the first `top_k` are read sentence by sentence, all of them are counted."""
    candidates = answerer.score(profile(question), hits[:top_k])
    asked = content_terms(question)
    supports: list[tuple[float, Candidate | None]] = []
    mentions: list[float] = []
    for option in choices:
        terms = (content_terms(option) - asked) or content_terms(option) or {normalise(option)}
        supports.append(_best_sentence(terms, candidates))
        mentions.append(sum(_coverage(terms, f"{h.title} {h.text}") / (rank + 1) for rank, h in enumerate(hits)))
    meaning = _closeness(answerer, question, choices, candidates)
    sentence = _scaled([score for score, _ in supports])
    counted = _scaled(mentions)
    totals = [a + b + c for a, b, c in zip(sentence, counted, meaning, strict=True)]
    best = max(range(len(choices)), key=lambda i: totals[i])
    return Choice(best, totals[best], supports[best][1])


def _coverage(terms: set[str], text: str) -> float:
    found = content_terms(text)
    return sum(term in found for term in terms) / len(terms)


def _best_sentence(terms: set[str], candidates: Sequence[Candidate]) -> tuple[float, Candidate | None]:
    best: tuple[float, Candidate | None] = (0.0, None)
    for candidate in candidates:
        value = candidate.score * _coverage(terms, candidate.text)
        if value > best[0]:
            best = (value, candidate)
    return best


def _closeness(
    answerer: ExtractiveAnswerer, question: str, choices: Sequence[str], candidates: Sequence[Candidate]
) -> list[float]:
    if not candidates:
        return [0.0] * len(choices)
    vectors = answerer.embedder.embed_documents(
        [f"{question} {option}" for option in choices] + [c.text for c in candidates[:_SENTENCES_COMPARED]]
    )
    options, sentences = vectors[: len(choices)], vectors[len(choices) :]
    return [max(sum(a * b for a, b in zip(o, s, strict=True)) for s in sentences) for o in options]


def _scaled(values: Sequence[float]) -> list[float]:
    top = max(values, default=0.0)
    return [v / top if top > 0 else 0.0 for v in values]
