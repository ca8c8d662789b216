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
