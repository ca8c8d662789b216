"""The question → retrieve → answer turn; streaming first, so ask() is the joined stream."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import prompts
from assistant.answer import Answer, ExtractiveAnswerer
from assistant.retrieval import Retriever


class Assistant:
    def __init__(self, retriever: Retriever, answerer: ExtractiveAnswerer):
        self.retriever = retriever
        self.answerer = answerer

    def answer(self, question: str, as_of: date | None = None) -> Answer:
        question = " ".join(question.split())
        if not question:
            raise ValueError("the question is empty: type a question about the articles")
        if self.retriever.store.count() == 0:
            return Answer(question, prompts.render("empty_index.md"), (), True)
        hits = self.retriever.retrieve(question, as_of=as_of)
        return self.answerer.answer(question, hits)

    def ask_stream(self, question: str, as_of: date | None = None) -> Iterator[Answer]:
        """Answers whose text grows word by word; the last one is complete. Sources are known from the first."""
        answer = self.answer(question, as_of)
        shown = ""
        for piece in _pieces(answer.text):
            shown += piece
            yield replace(answer, text=shown)


def _pieces(text: str) -> Iterator[str]:
    words = text.split(" ")
    for index, word in enumerate(words):
        yield word if index == 0 else " " + word
