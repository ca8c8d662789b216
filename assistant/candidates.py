"""A sentence of a retrieved passage scored as a possible answer.

Its own module because both the answerer and the conflict check (newest figure wins) work on it: held in
`answer.py`, the two imported each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from index.store import Hit


@dataclass(frozen=True)
class Candidate:
    hit: Hit
    start: int  # offsets in the article, not in the passage
    end: int
    text: str
    score: float
    cut: bool = False  # a long sentence quoted up to a word: shown with "…", its span still exactly the text
    reading: float | None = None  # the trained reader's probability that it answers, when the reader scored it
    heuristic: float | None = None  # the score without the reader's share, when that was added

    @property
    def own_score(self) -> float:
        """The heuristic score alone: what the abstention bar and bench/replay.py compare, whatever the reader added."""
        return self.score if self.heuristic is None else self.heuristic
