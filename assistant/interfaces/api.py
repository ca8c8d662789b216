"""The JSON HTTP API beside the chat page: /api/ask, /api/ingest and an OpenAI-shaped /v1/chat/completions.

The OpenAI shape lets existing clients (the openai SDK, curl scripts, chat front-ends) talk to newsdesk unchanged;
citations ride along in a `citations` field those clients ignore and ours read.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Literal, TypeVar

from fastapi import APIRouter, File, HTTPException, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, Field

from assistant.answer import Answer
from assistant.chat import MAX_QUESTION_CHARS
from assistant.config import Settings
from assistant.followup import Turn
from assistant.interfaces.asking import ask
from assistant.question import MAX_CHOICES
from assistant.runtime import Runtime
from index.errors import NewsdeskError
from index.uploads import Upload

MODEL_NAME = "newsdesk-extractive"


class HistoryTurn(BaseModel):
    question: str
    answer: str = ""


class AskRequest(BaseModel):
    question: str = Field(max_length=MAX_QUESTION_CHARS)
    history: list[HistoryTurn] = Field(default_factory=list, max_length=50)
    as_of: date | None = None
    choices: list[str] = Field(default_factory=list, max_length=MAX_CHOICES)  # a multiple-choice question's options


class ChatMessage(BaseModel):
    role: Literal["system", "user", "assistant", "tool", "developer"]
    content: str | list | None = ""


class ChatRequest(BaseModel):
    model: str = MODEL_NAME
    messages: list[ChatMessage] = Field(min_length=1, max_length=100)
    stream: bool = False
    as_of: date | None = None  # newsdesk extension; OpenAI clients send it via extra_body


def citation_json(answer: Answer) -> list[dict]:
    return [c.to_dict() for c in answer.citations]


def chat_turns(messages: list[ChatMessage]) -> tuple[str, list[Turn]]:
    """The last user message is the question; earlier user/assistant pairs are the history."""
    texts = [(m.role, _text(m.content)) for m in messages if m.role in ("user", "assistant")]
    if not texts or texts[-1][0] != "user":
        raise HTTPException(422, "the last message must come from the user and hold the question")
    history: list[Turn] = []
    for role, text in texts[:-1]:
        if role == "user":
            history.append(Turn(text))
        elif history:
            history[-1] = Turn(history[-1].question, text)
    return texts[-1][1], history


def _text(content: str | list | None) -> str:
    if isinstance(content, list):  # the OpenAI "content parts" form
        return " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


T = TypeVar("T")


def answering(work: Callable[[], T]) -> T:
    """Bad questions or options are the caller's (422); an unreachable store or model is ours for now (503)."""
    try:
        return work()
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    except NewsdeskError as exc:
        raise HTTPException(503, str(exc)) from exc


def build_router(runtime: Callable[[], Runtime], settings: Settings) -> APIRouter:
    """Credentials are checked in front of every route by assistant.interfaces.access, not here."""
    router = APIRouter()

    def answer(question: str, as_of: date | None, history: list[Turn]) -> Answer:
        return answering(lambda: runtime().assistant.answer(question, as_of, history))

    @router.post("/api/ask")
    def api_ask(body: AskRequest) -> dict:
        """The same JSON as `newsdesk ask --json` (assistant/interfaces/asking.py)."""
        history = [Turn(t.question, t.answer) for t in body.history]
        return answering(lambda: ask(runtime(), body.question, body.choices, body.as_of, history))

    @router.post("/api/ingest")
    def api_ingest(files: list[UploadFile] = File(...)) -> JSONResponse:  # noqa: B008 - FastAPI's declaration style
        uploads = [Upload(f.filename or "", f.file) for f in files]
        try:
            report = runtime().ingest_uploads(uploads, settings.max_upload_bytes)
        except NewsdeskError as exc:
            raise HTTPException(503, str(exc)) from exc
        body = {
            **vars(report),
            "errors": [str(e) for e in report.errors],
            "refused": len(report.errors),
            "summary": report.summary(),
        }
        nothing_read = report.errors and not report.articles  # every file refused: the client's error, said so
        return JSONResponse(body, 422 if nothing_read else 200)

    @router.get("/api/health")
    def api_health() -> dict:
        try:
            return {"status": "ok", "chunks": runtime().store.count()}
        except NewsdeskError as exc:
            raise HTTPException(503, str(exc)) from exc

    @router.get("/api/stats")
    def api_stats() -> dict:
        """The same JSON as `newsdesk stats --json`: what a CLI asks the running app for while it owns the store."""
        return answering(lambda: runtime().store.stats().to_dict())

    @router.get("/v1/models")
    def models() -> dict:
        return {"object": "list", "data": [{"id": MODEL_NAME, "object": "model", "owned_by": "newsdesk"}]}

    @router.post("/v1/chat/completions")
    def chat_completions(body: ChatRequest):
        question, history = chat_turns(body.messages)
        if len(question) > MAX_QUESTION_CHARS:
            raise HTTPException(422, f"the question is longer than {MAX_QUESTION_CHARS} characters")
        result = answer(question, body.as_of, history)
        completion = _Completion(body.model)
        if body.stream:
            return StreamingResponse(completion.stream(result), media_type="text/event-stream")
        return JSONResponse(completion.whole(result))

    return router


class _Completion:
    """OpenAI chat.completion objects for one answer, whole or as SSE chunks."""

    def __init__(self, model: str):
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = model

    def _base(self, kind: str) -> dict:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def whole(self, answer: Answer) -> dict:
        return {
            **self._base("chat.completion"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}
            ],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            "citations": citation_json(answer),
            "abstained": answer.abstained,
        }

    def stream(self, answer: Answer) -> Iterator[str]:
        words = answer.text.split(" ")
        for index, word in enumerate(words):
            delta = {"content": word if index == 0 else " " + word}
            if index == 0:
                delta["role"] = "assistant"
            yield self._event({**self._base("chat.completion.chunk"), "choices": [_choice(delta, None)]})
        final = {**self._base("chat.completion.chunk"), "choices": [_choice({}, "stop")]}
        yield self._event({**final, "citations": citation_json(answer), "abstained": answer.abstained})
        yield "data: [DONE]\n\n"

    @staticmethod
    def _event(data: dict) -> str:
        return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


def _choice(delta: dict, finish: str | None) -> dict:
    return {"index": 0, "delta": delta, "finish_reason": finish}
