"""Follow-up questions made standalone from the chat history before retrieval (the rule-based default).

"What else did they discuss?" or "And Medvedev?" cannot find evidence on their own: the retriever sees no names.
A question that leans on the conversation gets the earlier question's named things (or, lacking names, the
whole earlier question) attached, so retrieval and the answerer's name check work on what the user means.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.question import content_terms, named_things

_REFERS_BACK = re.compile(
    r"\b(he|she|they|him|her|them|his|hers|their|theirs|its|it|this|that|these|those|there|then|"
    r"the (two|three|talks?|meeting|visit|deal|report|article|story|plan|leaders?|president|minister))\b",
    re.I,
)
_CONTINUES = re.compile(r"^\s*(and|also|but|so|what else|anything else|what about|how about|and what)\b", re.I)
_SHORT = 3  # content terms: a question this bare is read as a continuation


@dataclass(frozen=True)
class Turn:
    """One earlier exchange; `question` is the standalone form that was actually answered."""

    question: str
    answer: str = ""


def standalone(question: str, history: Sequence[Turn]) -> str:
    """The question itself when it stands alone; otherwise the question with its context from the last turn."""
    if not history or not leans_on_history(question):
        return question
    previous = history[-1].question
    own = {name.lower() for name in named_things(question)}
    carried = [name for name in named_things(previous) if name.lower() not in own]
    context = ", ".join(carried) if carried else previous
    return f"{question.rstrip()} ({context})"


def leans_on_history(question: str) -> bool:
    if _CONTINUES.search(question):
        return True
    has_names = bool(named_things(question))
    return not has_names and (bool(_REFERS_BACK.search(question)) or len(content_terms(question)) <= _SHORT)
