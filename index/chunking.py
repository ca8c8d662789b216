"""Sentence-aligned chunks sized for the embedding model, each an exact slice of its article's text.

Hand-written rather than llama-index's SentenceSplitter: that splitter strips chunks and recovers offsets by text
search, which drifts when an article repeats a sentence (the sample's headlines do); punkt's span_tokenize gives
exact spans, so `article.text[chunk.start:chunk.end] == chunk.text` holds by construction.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from index.articles import Article
from index.english import nltk_cache

TokenCounter = Callable[[Sequence[str]], list[int]]
_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Chunk:
    id: str
    article_id: str
    index: int
    start: int
    end: int
    text: str


def fingerprint(text: str) -> str:
    """Identity of an article's content, blind to whitespace: the same story under another name is stored once."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def chunk_id(text_fingerprint: str, start: int, end: int) -> str:
    """Content-derived, so re-ingesting (or ingesting a copy) yields the same ids and Chroma upserts collapse them."""
    return hashlib.sha256(f"{text_fingerprint}:{start}:{end}".encode()).hexdigest()[:32]


@cache
def _punkt():
    """Punkt's English model ships inside llama-index: no download at run time."""
    punkt = punkt_module()
    tokenizer = punkt.PunktSentenceTokenizer()
    tokenizer._params = punkt.load_punkt_params(_ModelFolder(nltk_cache() / "tokenizers" / "punkt_tab" / "english"))
    return tokenizer


class _ModelFolder:
    """What load_punkt_params reads a model through (nltk.data's path pointer: `.join(name).open()`), minus nltk.data,
    which would import the whole of nltk."""

    def __init__(self, path: Path):
        self.path = path

    def join(self, name: str) -> Path:
        return self.path / name


def punkt_module() -> ModuleType:
    """nltk's Punkt module, loaded without running nltk's package __init__ when nltk is not imported yet.

    That __init__ imports all of nltk with scipy and scikit-learn (~2 s of a cold `ask`); Punkt needs six small
    modules of it. They are loaded under bare stand-ins for the two packages, which are then removed, so a later
    `import nltk` anywhere runs the real package (reusing the modules already loaded). nltk has no lighter entry.
    """
    if "nltk" in sys.modules:
        from nltk.tokenize import punkt

        return punkt
    root = importlib.util.find_spec("nltk")
    if root is None or not root.submodule_search_locations:
        raise ModuleNotFoundError("nltk is not installed")
    folder = Path(root.submodule_search_locations[0])
    stand_ins = {"nltk": folder, "nltk.tokenize": folder / "tokenize"}
    for name, path in stand_ins.items():
        package = ModuleType(name)
        package.__path__ = [str(path)]
        sys.modules[name] = package
    try:
        return importlib.import_module("nltk.tokenize.punkt")
    finally:
        for name in stand_ins:
            del sys.modules[name]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences never cross a line break: headlines and list items carry no final period."""
    spans: list[tuple[int, int]] = []
    tokenizer = _punkt()
    for line in _LINE.finditer(text):
        for start, end in tokenizer.span_tokenize(line.group()):
            piece = line.group()[start:end]
            if piece.strip():
                lead = len(piece) - len(piece.lstrip())
                spans.append((line.start() + start + lead, line.start() + start + len(piece.rstrip())))
    return spans


def split_article(article: Article, count_tokens: TokenCounter, max_tokens: int) -> list[Chunk]:
    """Greedy packing of whole sentences up to `max_tokens`; an over-long sentence is cut at word boundaries."""
    groups: list[list[tuple[int, int]]] = []
    budget = 0
    for span, size in _fit_spans(article.text, sentence_spans(article.text), count_tokens, max_tokens):
        if not groups or budget + size > max_tokens:
            groups.append([])
            budget = 0
        groups[-1].append(span)
        budget += size
    identity = fingerprint(article.text)
    return [_chunk(article, identity, number, group[0][0], group[-1][1]) for number, group in enumerate(groups)]


def _chunk(article: Article, identity: str, number: int, start: int, end: int) -> Chunk:
    return Chunk(chunk_id(identity, start, end), article.id, number, start, end, article.text[start:end])


def _fit_spans(
    text: str, spans: list[tuple[int, int]], count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[tuple[int, int], int]]:
    """Each span with its token count, counted once: only the pieces of an over-long sentence are counted again."""
    sizes = count_tokens([text[start:end] for start, end in spans])
    fitted: list[tuple[tuple[int, int], int]] = []
    for span, size in zip(spans, sizes, strict=True):
        if size <= max_tokens:
            fitted.append((span, size))
            continue
        pieces = _cut_by_words(text, span, count_tokens, max_tokens)
        fitted.extend(zip(pieces, count_tokens([text[start:end] for start, end in pieces]), strict=True))
    return fitted


def _cut_by_words(
    text: str, span: tuple[int, int], count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[int, int]]:
    words = [(m.start() + span[0], m.end() + span[0]) for m in _WORD.finditer(text[span[0] : span[1]])]
    sizes = count_tokens([text[start:end] for start, end in words])
    pieces: list[tuple[int, int]] = []
    budget = max_tokens + 1
    for (start, end), size in zip(words, sizes, strict=True):
        if budget + size > max_tokens:
            pieces.append((start, end))
            budget = 0
        pieces[-1] = (pieces[-1][0], end)
        budget += size
    return pieces
