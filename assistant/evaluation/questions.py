"""Question sets for `newsdesk eval`: RealTimeQA lines and simple {question, expect_any|expect_all, kind} lines.

Both formats may be mixed in one file; a line that is neither is reported by file and line number and skipped.
A simple line may carry `history`, the questions asked before it in one conversation: it is then asked as their
follow-up ("And Scholz?" after "What did Xi tell Medvedev?"), and only its own answer is scored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from assistant.question import normalized_choices
from index.articles import LoadError, parse_date


@dataclass(frozen=True)
class EvalQuestion:
    id: str
    question: str
    kind: str  # realtimeqa | seed (the gold format, as score.py names it)
    category: str  # single | multi | unanswerable | multiple-choice: what the report groups by
    asked_on: date | None = None
    choices: tuple[str, ...] = ()
    answer_index: int | None = None
    answer_text: str = ""
    pool: frozenset[str] = frozenset()
    source: str = ""  # seed: expected article id prefix, "*" any, "a|b" either
    expect_any: tuple[str, ...] = ()
    expect_all: tuple[str, ...] = ()
    origin: str = ""  # RealTimeQA's news source (CNN, ...): accuracy is reported per source
    history: tuple[str, ...] = ()  # the conversation's earlier questions, oldest first

    @property
    def answerable(self) -> bool:
        return self.category != "unanswerable"


@dataclass
class QuestionSet:
    questions: list[EvalQuestion] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def load_questions(path: Path) -> QuestionSet:
    found = QuestionSet()
    seen: set[str] = set()
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                question = _parse(json.loads(line))
            except (ValueError, TypeError, KeyError) as exc:
                found.errors.append(LoadError(str(path), number, _reason(exc)))
                continue
            if question.id in seen:
                found.errors.append(LoadError(str(path), number, f"duplicate question id {question.id!r}; skipped"))
                continue
            seen.add(question.id)
            found.questions.append(question)
    return found


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON ({exc.msg} at column {exc.colno})"
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return str(exc)


def _text(record: dict, key: str) -> str:
    value = record[key]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"field {key!r} must be a non-empty string")
    return value.strip()


def _strings(record: dict, key: str) -> tuple[str, ...]:
    value = record.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"field {key!r} must be a list of strings")
    return tuple(value)


def _parse(record: object) -> EvalQuestion:
    if not isinstance(record, dict):
        raise ValueError("each line must be a JSON object")
    if "answer_text" in record or "choices" in record:
        choices = _strings(record, "choices")
        answer_index = record.get("answer_index")
        if choices and not (isinstance(answer_index, int) and 0 <= answer_index < len(choices)):
            raise ValueError("field 'answer_index' must index into 'choices'")
        if choices:
            normalized_choices(choices)  # the reader's own limits, reported here as a bad line
        return EvalQuestion(
            id=str(record["id"]),
            question=_text(record, "question"),
            kind="realtimeqa",
            category="multiple-choice" if choices else "single",
            asked_on=parse_date(record.get("date")),
            choices=choices,
            answer_index=answer_index,
            answer_text=str(record.get("answer_text") or (choices[answer_index] if choices else "")),
            pool=frozenset(_strings(record, "pool_doc_ids")),
            origin=str(record.get("source") or ""),
        )
    category = record.get("kind") or "single"
    if category not in ("single", "multi", "unanswerable"):
        raise ValueError(f"field 'kind' must be single, multi or unanswerable, not {category!r}")
    return EvalQuestion(
        id=str(record["id"]),
        question=_text(record, "question"),
        kind="seed",
        category=category,
        asked_on=parse_date(record.get("date")),
        source=str(record.get("source") or ""),
        expect_any=_strings(record, "expect_any"),
        expect_all=_strings(record, "expect_all"),
        history=_strings(record, "history"),
    )
