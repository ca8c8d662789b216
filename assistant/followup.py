"""Follow-up questions made standalone from the chat history before retrieval (the rule-based default).

"What else did they discuss?" or "And Medvedev?" cannot find evidence on their own: the retriever sees no names.
A question that leans on the conversation is rewritten with the earlier question's named things — in place of its
pronouns, or in place of the name an "And …?" swaps — so retrieval and the answerer's name check work on what the
user means. On the sample's follow-up set (data/calibration/sample-followups.jsonl) names in brackets answered 10
of 14 conversations; whole rewritten questions 11, and 14 once a follow-up may quote again what an earlier answer
quoted (`asks_for_more`).
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
_MORE = re.compile(r"\b(?:else|other|more|another|besides|further)\b", re.I)
_PERSONAL = re.compile(r"\b(?:he|she|him|his|her|they|them|their)\b", re.I)
_POSSESSED = re.compile(r"\s+(?!(?:to|in|on|at|for|with|about|from|by|and|or|as|that|if|when|after|before)\b)[a-z]")
_PLACED = re.compile(r"\b(?:in|at|from|to|near)\s+(?:the\s+)?$", re.I)  # the words right before a place's name
_SINGULAR = re.compile(r"\b(?:he|she|him|his|her)\b", re.I)
_ASKS_WHO = re.compile(r"\s*(?:who|whom)\b(?!\s+(?:is|was|are|were)\b)", re.I)  # "Who is X?" is about X
_FULL_NAME = re.compile(r"[A-Z][\w-]+(?:\s+[A-Z][\w-]+)+")  # "Dmytro Kuleba": a person, unlike "UN" or "Monday"
_CITED = re.compile(r"\[\d+\]")
_ELLIPSIS = re.compile(r"(?:and|what about|how about)\s+(?P<other>[^?]+?)\s*\??", re.I)


@dataclass(frozen=True)
class Turn:
    """One earlier exchange; `question` is the standalone form that was actually answered."""

    question: str
    answer: str = ""


def standalone(question: str, history: Sequence[Turn]) -> str:
    """The question itself when it stands alone; otherwise rewritten with its context from the last turn.

    "And Scholz?" after "What did Xi tell Medvedev?" asks the same of someone else: "What did Xi tell Scholz?".
    "When did he speak?" after "Who is Zhang Jun?" puts the name where the pronoun was: "When did Zhang Jun speak?".
    The embedder reads a whole question far better than a pronoun with names in brackets. Anything else gets the
    earlier question's names attached (or, lacking names, the whole earlier question).
    """
    if not history or not leans_on_history(question):
        return question
    previous = history[-1].question
    person = _answered_person(history[-1])
    if person and _SINGULAR.search(question):  # "Who did Wang Yi speak with?" … "What did he tweet?": the one named
        return _pronouns_named(question, previous, [person])[0]
    own = {name.lower() for name in named_things(question)}
    carried = [name for name in named_things(previous) if name.lower() not in own]
    if not carried:
        return f"{question.rstrip()} ({previous})"
    swapped = _asked_of_another(question, previous, carried)
    if swapped:
        return swapped
    resolved, used = _pronouns_named(question, previous, carried)
    rest = [name for name in carried if name not in used]
    return f"{resolved.rstrip()} ({', '.join(rest)})" if rest else resolved


def _answered_person(turn: Turn) -> str:
    """The person a "who" question's answer named that the question did not: whom a "he" or "she" next refers to."""
    if not _ASKS_WHO.match(turn.question) or not turn.answer:
        return ""
    asked = set(re.findall(r"\w+", turn.question.lower()))
    names = named_things(_CITED.sub(" ", turn.answer))
    return next((n for n in names if _FULL_NAME.fullmatch(n) and not asked & set(re.findall(r"\w+", n.lower()))), "")


def leans_on_history(question: str) -> bool:
    if _CONTINUES.search(question):
        return True
    names = named_things(question)
    if not names:
        return bool(_REFERS_BACK.search(question)) or len(content_terms(question)) <= _SHORT
    pronoun = _PERSONAL.search(question)  # "Will he talk to Zelensky?": the pronoun comes before any name
    return pronoun is not None and pronoun.start() < question.find(names[0])


def asks_for_more(question: str) -> bool:
    """ "What else …?", "Anything more?": what was already quoted is not quoted again. "When did he speak?" may be
    answered by a sentence quoted before."""
    return _MORE.search(question) is not None


def _asked_of_another(question: str, previous: str, carried: Sequence[str]) -> str:
    """ "And Scholz?" / "What about Qin Gang?": the earlier question with its last name swapped for the new one;
    "" when the follow-up says more than a name."""
    found = _ELLIPSIS.fullmatch(question.strip())
    if not found:
        return ""
    other = found.group("other")
    if named_things(f"About {other}") != [re.sub(r"^the\s+", "", other, flags=re.I)]:  # "And what did X say?"
        return ""
    # A person is swapped for a person: after "Who did Wang Yi meet in Moscow?", "What about Lavrov?" keeps Moscow.
    swapped = next((name for name in reversed(carried) if not _is_place(previous, name)), carried[-1])
    at = previous.rfind(swapped)
    if at < 0:
        return ""
    there = re.search(rf"\b{re.escape(other)}\b", previous, re.I)
    if (
        there
    ):  # "What did Xi tell Medvedev?" "And Medvedev?": the same asked the other way, "What did Medvedev tell Xi?"
        pairs = sorted([(at, swapped, other), (there.start(), there.group(), swapped)])
        out, last = [], 0
        for start, was, now in pairs:
            out += [previous[last:start], now]
            last = start + len(was)
        return "".join(out) + previous[last:]
    return previous[:at] + other + previous[at + len(swapped) :]


def _is_place(question: str, name: str) -> bool:
    at = question.find(name)
    return at >= 0 and _PLACED.search(question, 0, at) is not None


def _pronouns_named(question: str, previous: str, carried: Sequence[str]) -> tuple[str, list[str]]:
    """The question with he / she / him / his / her standing for the earlier question's first name and they / them /
    their for all of them, leaving out places ("in Beijing"); the names used. A possessive's name takes "'s"."""
    people = [name for name in carried if not _is_place(previous, name)] or carried[:1]
    person = _bare(people[0])
    group = " and ".join(_bare(name) for name in people)
    used: set[str] = set()

    def name_for(match: re.Match) -> str:
        word = match.group().lower()
        plural = word in ("they", "them", "their")
        used.update(people if plural else people[:1])
        name = group if plural else person
        possessive = word in ("his", "their") or (word == "her" and _POSSESSED.match(question, match.end()))
        return f"{name}'s" if possessive else name

    return _PERSONAL.sub(name_for, question), [name for name in carried if name in used]


def _bare(name: str) -> str:
    return re.sub(r"[’']s$", "", name)
