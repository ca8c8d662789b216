"""English-language data that ships inside llama-index (its _static/nltk_cache): nothing is downloaded at run time."""

from __future__ import annotations

import threading
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any


def nltk_cache() -> Path:
    return Path(str(files("llama_index.core") / "_static" / "nltk_cache"))


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
