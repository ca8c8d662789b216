"""English-language data that ships inside llama-index (its _static/nltk_cache): nothing is downloaded at run time."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from pathlib import Path


def nltk_cache() -> Path:
    return Path(str(files("llama_index.core") / "_static" / "nltk_cache"))


@cache
def stopwords() -> frozenset[str]:
    """NLTK's English stopword list (198 words)."""
    path = nltk_cache() / "corpora" / "stopwords" / "english"
    return frozenset(path.read_text(encoding="utf-8").split())
