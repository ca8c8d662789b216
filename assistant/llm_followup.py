"""Follow-ups rewritten by the configured LLM (the rule-based rewrite of `followup` is the default and the fallback).

Only the user's earlier questions reach the model, never the answers: answers quote article text, and article text
must not steer what is retrieved next (a passage saying "Ignore previous instructions" would otherwise reach the
rewrite). The rules sit in the system message; the questions are fenced in the user message as data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import prompts
from assistant.followup import Turn, standalone
from assistant.generative import fenced

log = logging.getLogger(__name__)

EARLIER_QUESTIONS = 4  # the last few questions carry the references; older ones only add noise and tokens
_MAX_GROWTH = 300  # characters a rewrite may add to the question: more is an answer or a speech, not a question


class LLMFollowUps:
    def __init__(self, llm):
        self.llm = llm

    def __call__(self, question: str, history: Sequence[Turn]) -> str:
        """The model's standalone question; the rule-based one when the model fails or replies with no question."""
        if not history:
            return question
        try:
            reply = self.llm.chat(rewrite_messages(question, history)).message.content or ""
        except Exception as exc:  # any transport or server failure: the rules still rewrite
            log.warning("follow-up rewrite by the LLM failed (%s: %s); rewriting by rule", type(exc).__name__, exc)
            return standalone(question, history)
        lines = [line.strip().strip("\"“”'") for line in reply.strip().splitlines() if line.strip()]
        rewritten = " ".join(lines[0].split()) if lines else ""
        if not rewritten or len(rewritten) > len(question) + _MAX_GROWTH:
            return standalone(question, history)
        return rewritten


def rewrite_messages(question: str, history: Sequence[Turn]) -> list:
    from llama_index.core.llms import ChatMessage, MessageRole

    earlier = "\n".join(f"- {turn.question}" for turn in history[-EARLIER_QUESTIONS:])
    return [
        ChatMessage(role=MessageRole.SYSTEM, content=prompts.render("rewrite_system.md")),
        ChatMessage(
            role=MessageRole.USER,
            content=prompts.render("rewrite_user.md", earlier=fenced(earlier, "question"), question=question),
        ),
    ]
