"""Citation: the exact span of an article that supports one answer sentence, and how it is shown."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import date


@dataclass(frozen=True)
class Citation:
    number: int
    article_id: str
    title: str
    published: date | None
    url: str
    start: int
    end: int
    quote: str

    @property
    def key(self) -> str:
        """Stable across questions and turns: derived from where the quote lives, not from its position."""
        return hashlib.sha1(f"{self.article_id}:{self.start}:{self.end}".encode()).hexdigest()[:10]

    def to_dict(self) -> dict:
        data = asdict(self)
        del data["published"]
        data["date"] = self.published.isoformat() if self.published else None
        data["key"] = self.key
        return data
