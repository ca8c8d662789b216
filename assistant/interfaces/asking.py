"""One question in, one JSON answer out: what `newsdesk ask`, `newsdesk chat` and /api/ask all return.

A single function, so the CLI's `--json` and the API cannot drift apart again, and the CLI can print an answer that
came back from a running app's /api/ask exactly as it prints its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from assistant.followup import Turn
from assistant.runtime import Runtime


def ask(
    runtime: Runtime,
    question: str,
    options: Sequence[str] = (),
    as_of: date | None = None,
    history: Sequence[Turn] = (),
) -> dict:
    """The answer's fields (`Answer.to_dict`), `choice` when options were given, and `newer_left_out`: how many
    articles the `as_of` day kept out, so a miss is not read as "the store has nothing on it"."""
    if options:
        answer, choice = runtime.assistant.choose(question, options, as_of, history)
    else:
        answer, choice = runtime.assistant.answer(question, as_of, history), None
    data = answer.to_dict() | {"newer_left_out": runtime.store.articles_after(as_of) if as_of else 0}
    return data | ({"choice": choice.to_dict(options)} if choice else {})
