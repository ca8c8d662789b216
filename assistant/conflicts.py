"""When dated sources state the same thing with different figures, the newest statement wins.

News is revised: a death toll rises, a forecast is cut. Without this step the best-scoring sentence leads even when a
later article says otherwise, and the later one is then dropped as a near-repeat of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.candidates import Candidate
from assistant.question import content_terms, figures

SAME_CLAIM = 0.5  # share of the shorter sentence's words (figures aside) the other one also has


@dataclass(frozen=True)
class Superseded:
    """The sentence that now leads the answer and the older ones that gave other figures."""

    newest: Candidate
    older: tuple[Candidate, ...]


def differ_in_figures(a: str, b: str) -> bool:
    """The same claim (most words shared) with other numbers in it."""
    fa, fb = figures(a), figures(b)
    if not fa or not fb or fa == fb:
        return False
    ta = {t for t in content_terms(a) if not t[0].isdigit()}
    tb = {t for t in content_terms(b) if not t[0].isdigit()}
    return len(ta & tb) >= SAME_CLAIM * max(1, min(len(ta), len(tb)))


def newest_first(candidates: Sequence[Candidate], margin: float) -> tuple[list[Candidate], Superseded | None]:
    """Near-equals of the best sentence that contradict it on a figure: the newest dated one leads, older ones go."""
    if not candidates:
        return list(candidates), None
    best = candidates[0]
    group = [best] + [
        c
        for c in candidates[1:]
        if c.score >= best.score - margin
        and c.hit.article_id != best.hit.article_id
        and differ_in_figures(best.text, c.text)
    ]
    dated = [c for c in group if c.hit.published]
    if len(dated) < 2:
        return list(candidates), None
    newest = max(dated, key=lambda c: (c.hit.published, c.score))
    older = tuple(c for c in dated if c.hit.published < newest.hit.published)
    if not older:
        return list(candidates), None
    rest = [c for c in candidates if c is not newest and all(c is not o for o in older)]
    return [newest, *rest], Superseded(newest, older)
