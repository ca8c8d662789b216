"""Which questions a run may tune on: RealTimeQA H1 split by the day asked (issue 26).

Tune and train on `dev` only; `test` is scored once per candidate change and never read question by question, and a
change is kept only when `test` gains. Its own small module so the CLI's parser can offer the names without importing
the question loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol, TypeVar

# Training data from the corpus uses only articles published up to the last day of `test`.
SPLITS: dict[str, tuple[date, date]] = {
    "dev": (date(2023, 1, 1), date(2023, 4, 30)),
    "test": (date(2023, 5, 1), date(2023, 6, 30)),
}


class Dated(Protocol):
    asked_on: date | None


Q = TypeVar("Q", bound=Dated)


def in_split(questions: Sequence[Q], split: str) -> list[Q]:
    """A question without a date belongs to no split."""
    first, last = SPLITS[split]
    return [q for q in questions if q.asked_on is not None and first <= q.asked_on <= last]


def asked_since(questions: Sequence[Q], day: date | None) -> list[Q]:
    """The questions asked on `day` or later (all of them for None): April's dev questions were held out of the
    reader's training, so its dev figures are read on them."""
    return [q for q in questions if day is None or (q.asked_on is not None and q.asked_on >= day)]
