"""Multiple choice: pick the option best supported by a retrieved sentence, and cite that sentence.

An option is only as good as the best sentence that names it: each sentence's answer score (how well it answers
the question) is scaled by how much of the option it contains. An option no sentence names scores zero, so the
pick is always backed by a quotable span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answer import Candidate, ExtractiveAnswerer
from assistant.question import content_terms, normalise, profile
from index.store import Hit


@dataclass(frozen=True)
class Choice:
    index: int
    score: float
    support: Candidate | None  # the sentence that names the option, best first


def answer_choices(answerer: ExtractiveAnswerer, question: str, choices: Sequence[str], hits: Sequence[Hit]) -> Choice:
    candidates = answerer.score(profile(question), hits)
    asked = content_terms(question)
    best = Choice(0, 0.0, None)
    for index, option in enumerate(choices):
        terms = (content_terms(option) - asked) or content_terms(option) or {normalise(option)}
        for candidate in candidates:
            found = content_terms(candidate.text)
            coverage = sum(term in found for term in terms) / len(terms)
            value = candidate.score * coverage
            if value > best.score:
                best = Choice(index, value, candidate)
    return best
