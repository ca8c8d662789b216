"""The question → retrieve → answer turn; streaming first, so ask() is the joined stream."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import date

import prompts
from assistant.answer import Answer, ExtractiveAnswerer
from assistant.choices import Choice, answer_choices
from assistant.followup import Turn, asks_for_more, standalone
from assistant.generative import GenerativeAnswerer
from assistant.question import normalized_choices
from assistant.retrieval import Retriever

MAX_QUESTION_CHARS = 2000  # far beyond any real question; keeps a pasted article from becoming a query


def normalized_question(text: str) -> str:
    """The question with its whitespace collapsed, or a ValueError saying what is wrong with it."""
    question = " ".join(text.split())
    if not question:
        raise ValueError("the question is empty: type a question about the articles")
    if len(question) > MAX_QUESTION_CHARS:
        raise ValueError(f"the question is {len(question)} characters long; the limit is {MAX_QUESTION_CHARS}")
    return question


class Assistant:
    def __init__(
        self,
        retriever: Retriever,
        answerer: ExtractiveAnswerer | GenerativeAnswerer,
        workers: int = 2,
        rewrite: Callable[[str, Sequence[Turn]], str] = standalone,
    ):
        """`workers` questions are computed at once, the rest wait their turn: on a small machine more at once adds
        no throughput, only memory (measured: 32 at once on 2 cores grew the app by 830 MB; see docs/reliability).
        `rewrite` makes a follow-up standalone: the rules by default, the LLM when one is configured."""
        self.retriever = retriever
        self.answerer = answerer
        self.rewrite = rewrite
        self._turns = threading.BoundedSemaphore(workers)

    def answer(self, question: str, as_of: date | None = None, history: Sequence[Turn] = (), depth: int = 0) -> Answer:
        """`depth` retrieves that many passages for the record (evaluation's R@10); the answer reads the top_k."""
        question = normalized_question(question)
        if self.retriever.store.count() == 0:
            return Answer(question, prompts.render("empty_index.md"), (), True)
        query = self.rewrite(question, history)
        said = [turn.answer for turn in history] if query != question and asks_for_more(question) else []
        with self._turns:
            hits = self.retriever.retrieve(query, k=max(depth, self.retriever.top_k), as_of=as_of)
            answer = self.answerer.answer(question, hits[: self.retriever.top_k], query, said)
        return replace(answer, passages=tuple(hits)) if depth > self.retriever.top_k else answer

    def choose(
        self,
        question: str,
        choices: Sequence[str],
        as_of: date | None = None,
        history: Sequence[Turn] = (),
        depth: int = 0,
    ) -> tuple[Answer, Choice]:
        """A multiple-choice question: its answer, and the option the evidence backs best (cited by the sentence that
        names it, when one does). A follow-up is read as its standalone rewrite, as `answer` reads it."""
        options = normalized_choices(choices)
        answer = self.answer(question, as_of, history, depth)
        asked = answer.read_as
        with self._turns:
            choice = answer_choices(self.answerer, self.retriever, asked, options, answer.passages, as_of)
        return answer, choice

    def ask_stream(self, question: str, as_of: date | None = None, history: Sequence[Turn] = ()) -> Iterator[Answer]:
        """Answers whose text grows word by word; the last one is complete. Sources are known from the first."""
        answer = self.answer(question, as_of, history)
        shown = ""
        for piece in _pieces(answer.text):
            shown += piece
            yield replace(answer, text=shown)


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for index, word in enumerate(words):
        yield word if index == 0 else " " + word
