"""One name, several spellings: news sites transliterate the same name differently ("Kyiv" and "Kiev", "Kuleba" and
"Kouleba", "Zelensky" and "Zelenskyy"), and a question in one spelling must still meet a sentence written in the
other. Hand-written because the variants are a few vowels apart, where an edit distance would also join "Iran" and
"Iraq"; only the names of the retrieved passages are respelled, never BM25's vocabulary (spelling variants there
cost retrieval: docs/quality.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable

NAME_WORD = re.compile(r"[A-Z][a-z]+")  # a capitalised word: names only, no initials or acronyms
_VOWELS = re.compile(r"[aeiouy]")
_DOUBLED = re.compile(r"(.)\1+")
_SHORTEST = 4


def skeleton(word: str) -> str:
    """The first letter and the consonants after it, a doubled letter once: "Kyiv" and "Kiev" are both "kv"."""
    word = word.lower()
    return _DOUBLED.sub(r"\1", word[0] + _VOWELS.sub("", word[1:]))


def spelled_otherwise(a: str, b: str) -> bool:
    """Two spellings of one name: the same consonants in the same order, lengths at most one letter apart, so
    "Odesa" meets "Odessa" but "Iran" stays apart from "Iraq" and "Niger" from "Nigeria"."""
    return (
        a.lower() != b.lower()
        and min(len(a), len(b)) >= _SHORTEST
        and abs(len(a) - len(b)) <= 1
        and skeleton(a) == skeleton(b)
    )


def other_spellings(names: Iterable[str], evidence: str) -> dict[str, str]:
    """Each name word of the passages that spells one of `names`' words otherwise, mapped to the question's spelling."""
    asked = {word for name in names for word in NAME_WORD.findall(name)}
    written = set(NAME_WORD.findall(evidence)) - asked
    return {other: word for other in sorted(written) for word in sorted(asked) if spelled_otherwise(word, other)}


def respelled(text: str, spellings: dict[str, str]) -> str:
    """`text` with the words of `spellings` written the question's way: for scoring only, never for quoting."""
    if not spellings:
        return text
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, spellings)) + r")\b")
    return pattern.sub(lambda found: spellings[found.group()], text)
