"""Optional generative answers (OpenAI-compatible servers or Ollama), every sentence checked against its citation.

The model sees the passages only inside the user message, fenced and labelled as data; the rules live in the
system message, which article text never reaches. Each answer sentence must carry [n] markers that point at a
passage that supports it (shared words and close meaning to one of its sentences); unsupported sentences and
out-of-range numbers are dropped. If the server is down, slow or says nothing verifiable, the extractive answer is
returned with a notice: the user always gets quoted, cited evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from functools import cache

import prompts
from assistant.answer import Answer, ExtractiveAnswerer
from assistant.candidates import Candidate
from assistant.citations import Citation
from assistant.config import Settings
from assistant.question import content_terms
from index.chunking import sentence_spans
from index.store import Hit

_MARKER = re.compile(r"\[(\d{1,3})\]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=\])\s+(?=[A-Z])")
_LEXICAL_SUPPORT, _DENSE_SUPPORT, _LEXICAL_ALONE = 0.5, 0.6, 0.8
_ABSTAINS = "the articles don't say"


@cache
def _fence_tag(block: str) -> re.Pattern:
    return re.compile(rf"<\s*(/?)\s*{block}s?\b", re.IGNORECASE)


def fenced(text: str, block: str = "passage") -> str:
    """Text as it goes inside the <passages> (or <questions>, …) data block: a tag that would close or reopen the
    block is defused, so quoted text cannot step outside it."""
    return _fence_tag(block).sub(lambda m: f"‹{m.group(1)}{block}s", text)


def build_llm(settings: Settings):
    """The configured llama-index LLM, or None for the extractive default."""
    if settings.llm_backend == "openai":
        from llama_index.llms.openai_like import OpenAILike

        return OpenAILike(
            model=settings.llm_model,
            api_base=settings.llm_url,
            api_key=settings.llm_api_key or "not-needed",
            is_chat_model=True,
            timeout=settings.llm_timeout,
            max_retries=0,
            temperature=0.0,
        )
    if settings.llm_backend == "ollama":
        from llama_index.llms.ollama import Ollama

        return Ollama(
            model=settings.llm_model, base_url=settings.llm_url, request_timeout=settings.llm_timeout, temperature=0.0
        )
    return None


def chat_messages(question: str, hits: Sequence[Hit]) -> list:
    from llama_index.core.llms import ChatMessage, MessageRole

    passages = "\n\n".join(
        prompts.render(
            "passage.md",
            number=str(n),
            title=fenced(hit.title),
            date=hit.published.isoformat() if hit.published else "undated",
            text=fenced(hit.text),
        )
        for n, hit in enumerate(hits, start=1)
    )
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=prompts.render("answer_system.md")),
        ChatMessage(
            role=MessageRole.USER, content=prompts.render("answer_user.md", question=question, passages=passages)
        ),
    ]


class GenerativeAnswerer:
    def __init__(self, llm, extractive: ExtractiveAnswerer, url: str):
        self.llm = llm
        self.extractive = extractive
        self.embedder = extractive.embedder
        self.url = url

    def score(self, *args, **kwargs) -> list[Candidate]:
        return self.extractive.score(*args, **kwargs)

    def answer(
        self, question: str, hits: Sequence[Hit], standalone: str = "", already_said: Sequence[str] = ()
    ) -> Answer:
        fallback = self.extractive.answer(question, hits, standalone, already_said)
        if not hits:
            return fallback
        try:
            reply = self.llm.chat(chat_messages(standalone or question, hits)).message.content or ""
        except Exception as exc:  # any transport or server failure: the extractive answer stands
            return self._with_notice(fallback, f"{type(exc).__name__}: {str(exc)[:200]}")
        if reply.strip().lower().startswith(_ABSTAINS):
            return replace(fallback, text=prompts.render("abstain.md", question=question), citations=(), abstained=True)
        kept = self.verified(reply, hits)
        if not kept:
            return self._with_notice(fallback, "no sentence of its answer was supported by the passages it cited")
        citations: list[Citation] = []
        sentences = []
        for text, spans in kept:
            numbers = []
            for hit, start, end, quote in spans:
                citation = Citation(
                    len(citations) + 1, hit.article_id, hit.title, hit.published, hit.url, start, end, quote
                )
                known = next((c for c in citations if c.key == citation.key), None)
                if known is None:
                    citations.append(citation)
                    known = citation
                numbers.append(known.number)
            sentences.append(text + " " + " ".join(f"[{n}]" for n in dict.fromkeys(numbers)))
        return replace(fallback, text=" ".join(sentences), citations=tuple(citations), abstained=False)

    def verified(self, reply: str, hits: Sequence[Hit]) -> list[tuple[str, list[tuple[Hit, int, int, str]]]]:
        """(sentence without markers, supporting spans) for every sentence whose cited passages support it."""
        kept = []
        for raw in _SENTENCE_END.split(reply.strip()):
            numbers = [int(n) for n in _MARKER.findall(raw)]
            text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(_MARKER.sub("", raw).split()))
            cited = [hits[n - 1] for n in dict.fromkeys(numbers) if 1 <= n <= len(hits)]
            if not text or not cited:
                continue
            spans = [span for hit in cited if (span := self._support(text, hit)) is not None]
            if spans:
                kept.append((text, spans))
        return kept

    def _support(self, sentence: str, hit: Hit) -> tuple[Hit, int, int, str] | None:
        """The passage sentence that supports `sentence` (as an article span), or None."""
        terms = content_terms(sentence)
        if not terms:
            return None
        options = [(start, end, hit.text[start:end]) for start, end in sentence_spans(hit.text)]
        if not options:
            return None
        shared = [len(terms & content_terms(text)) / len(terms) for _, _, text in options]
        best = max(range(len(options)), key=lambda i: shared[i])
        start, end, quote = options[best]
        if shared[best] < _LEXICAL_SUPPORT:
            return None
        if shared[best] < _LEXICAL_ALONE:
            a, b = self.embedder.embed_sentences([sentence, quote])
            if sum(x * y for x, y in zip(a, b, strict=True)) < _DENSE_SUPPORT:
                return None
        return hit, hit.start + start, hit.start + end, quote

    def _with_notice(self, answer: Answer, reason: str) -> Answer:
        notice = prompts.render("llm_unavailable.md", url=self.url, reason=reason)
        return replace(answer, text=f"{notice}\n\n{answer.text}")
