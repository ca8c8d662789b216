"""English-language data that ships inside llama-index (its _static/nltk_cache): nothing is downloaded at run time."""

from __future__ import annotations

import importlib.util
import re
import threading
from functools import cache
from pathlib import Path
from typing import Any


@cache
def nltk_cache() -> Path:
    """Found without importing llama_index.core, whose package import alone took ~1.6 s of a cold `ask`."""
    spec = importlib.util.find_spec("llama_index.core")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("llama_index.core is not installed: its nltk_cache holds the English data")
    return Path(spec.submodule_search_locations[0]) / "_static" / "nltk_cache"


@cache
def stopwords() -> frozenset[str]:
    """NLTK's English stopword list (198 words)."""
    path = nltk_cache() / "corpora" / "stopwords" / "english"
    return frozenset(path.read_text(encoding="utf-8").split())


_per_thread = threading.local()


def snowball() -> Any:
    """Snowball's English stemmer (PyStemmer, a bm25s dependency): "talks", "talked" and "talk" are one stem. Its
    `stemWords` feeds BM25's tokenizer, its `stemWord` the answerer's word overlap. One per thread: PyStemmer's
    instances keep state and must not be called concurrently (the chat serves requests on several threads)."""
    stemmer = getattr(_per_thread, "stemmer", None)
    if stemmer is None:
        import Stemmer

        stemmer = _per_thread.stemmer = Stemmer.Stemmer("english")
    return stemmer


# "BidenXi": two words glued where a scraped page joined two elements without a space. Two lower-case letters before
# the capital, so "McDonald" and "iPhone" are not glued words; every part must look like a word, so "OpenAI",
# "ChatGPT" and "BioNTech" are names, not glued words.
_GLUED = re.compile(r"(?<=[a-z]{2})(?=[A-Z])")
_GLUED_WORD = re.compile(r"\b\w*[a-z]{2}[A-Z]\w*")
_WORDLIKE = re.compile(r"[A-Z]?[a-z]+")


def glued_words(text: str) -> list[str]:
    """The glued words of `text`, in order."""
    return [word for word in _GLUED_WORD.findall(text) if all(_WORDLIKE.fullmatch(p) for p in split_glued(word))]


def split_glued(word: str) -> list[str]:
    """ "BidenXi" → ["Biden", "Xi"]."""
    return _GLUED.split(word)


def glued_parts(text: str) -> list[str]:
    """The parts of every glued word in `text`: "… BidenXi Jinping …" → Biden, Xi."""
    return [part for word in glued_words(text) for part in split_glued(word)]


# No part-of-speech tagger ships offline (no spaCy pipeline on this PyPI; NLTK's tagger is not in llama-index's data),
# so a finite verb is recognised by closed-class words and news English's common forms, which is enough to tell a
# clause from a caption, a dateline or a byline ("Photo: Reuters.", "BEIJING, March 3.", "By Anna Li.").
_VERB = re.compile(
    r"\b(?:am|is|are|was|were|be|been|being|has|have|had|do|does|did|will|would|shall|should|can|could|may|might"
    r"|must|[a-z]+n[’']t"
    # irregular pasts, and base forms news English uses with a plural subject ("stores sell", "questions remain")
    r"|said|told|met|made|took|gave|went|came|saw|found|held|left|led|won|lost|began|became|brought|bought|built"
    r"|chose|drew|fell|felt|fought|flew|got|grew|hit|kept|knew|let|put|ran|rose|sent|set|spoke|spent|stood|struck"
    r"|thought|wrote|paid|sold|meant|heard|sat|cut|broke|threw|drove|wore|swept|caught|taught|sought|fed|dealt|hung"
    r"|laid|shot|shut|spread|stuck|swore|tore|woke|beat|bore|forgot|froze|hid|rode|rang|sang|sank|shook|stole|swung"
    r"|wept|withdrew|upheld|arose|(?:say|tell|meet|make|take|give|go|come|see|find|hold|lead|win|lose|begin|become"
    r"|bring|buy|build|choose|get|grow|know|keep|pay|sell|speak|write|want|need|seem|remain|look|help|expect|live"
    r"|arrive|tend|represent|oppose|reach|continue|agree|believe|think|hope|ask|include|argue|warn|urge|allow"
    r"|provide|serve|appear|fail|try|tries|rely|relies)s?|goes)\b"
    r"|\b[a-z]{2,}ed\b"  # "stated", "agreed": past tense (and participles, which rarely stand without a verb)
    r"|\b(?:[Ii]|[Hh]e|[Ss]he|[Ii]t|[Tt]hey|[Ww]e|[Yy]ou)\s+(?:also\s+|now\s+|then\s+)?[a-z]{2,}\b"  # "they agree"
    r"|\b(?:I|[Yy]ou|[Ww]e|[Tt]hey|[Hh]e|[Ss]he|[Ii]t|[Hh]ere|[Tt]hat|[Tt]here|[Ww]ho|[Ww]hat)[’'](?:m|re|ve|ll|d|s)\b"
    r"|\b[a-z]+ly\s+[a-z]{2,}(?<![siu])s\b"  # "currently includes", "also suggests"
    r"|\b(?:[Tt]his|[Tt]hat|[Ee]ach|[Ee]very)\s+[a-z]+\s+[a-z]{2,}(?<![siu])s\b"  # "This test uses"
    # "Beijing backs", "the talks continue" are not caught; "Xi backs" is: a name, then a word in -s (not -ss, -is, -us)
    r"|\b[A-Z][\w’'-]*\s+(?:(?:also|still|now|then|again|already|never|often|[a-z]+ly)\s+)?(?![a-z]*(?:ss|is|us)\b)"
    r"[a-z]{2,}s\b"
    # "A satellite image shows the hurricane": a word in -s before an article or a possessive is a verb, not a plural
    r"|\b(?!(?:towards|besides|perhaps|always|sometimes|whereas|afterwards|unless|news|times|years|days)\b)"
    r"[a-z]{2,}(?<![siu])s\s+(?:the|a|an|his|her|its|their|our)\s"
)


def has_a_verb(text: str) -> bool:
    """Whether a line reads as a clause: a finite verb, as far as word forms tell without a tagger."""
    return _VERB.search(text) is not None
