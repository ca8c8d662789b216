"""Plain-text rendering of an answer for terminals: the answer, then numbered sources with dates and quotes."""

from __future__ import annotations

import textwrap

from assistant.answer import Answer

_WIDTH = 100
_CLOSEST = 3


def answer_as_text(answer: Answer) -> str:
    lines = textwrap.wrap(answer.text, _WIDTH) or [answer.text]
    if answer.citations:
        lines += ["", "Sources:"]
        for citation in answer.citations:
            lines.append(f"  {citation.label()}")
            lines.append(f"      chars {citation.start}-{citation.end}{'  ' + citation.url if citation.url else ''}")
            lines += textwrap.wrap(f"“{citation.quote}”", _WIDTH, initial_indent="      ", subsequent_indent="       ")
    elif answer.passages:
        lines += ["", "Closest passages:"]
        for hit in answer.passages[:_CLOSEST]:
            when = hit.published.isoformat() if hit.published else "undated"
            lines.append(f"  - {hit.title} ({when}) — {hit.article_id}, score {hit.score:.2f}")
            snippet = textwrap.shorten(hit.text, 240, placeholder=" …")
            lines += textwrap.wrap(snippet, _WIDTH, initial_indent="      ", subsequent_indent="      ")
    return "\n".join(lines)


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~")


def as_literal_markdown(text: str) -> str:
    """Article text shown in a Markdown widget must display as typed: no HTML, links, images or emphasis."""
    escaped = "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIALS else ch for ch in text)
    return escaped.replace("&", "&amp;")


def sources_as_markdown(answer: Answer) -> str:
    """The sources panel: each citation with title, date, link text and its quote, all shown literally."""
    if not answer.citations and not answer.passages:
        return ""
    if answer.citations:
        rows = [_source_row(c.number, c.title, c.published, c.article_id, c.quote) for c in answer.citations]
        return "### Sources\n\n" + "\n\n".join(rows)
    rows = [
        _source_row(n, h.title, h.published, h.article_id, h.text[:300])
        for n, h in enumerate(answer.passages[:_CLOSEST], start=1)
    ]
    return "### Closest passages (not an answer)\n\n" + "\n\n".join(rows)


def _source_row(number: int, title: str, published, article_id: str, quote: str) -> str:
    when = published.isoformat() if published else "undated"
    return (
        f"**\\[{number}\\] {as_literal_markdown(title)}** · {when} · `{article_id.replace('`', '')}`\n\n"
        f"> {as_literal_markdown(' '.join(quote.split()))}"
    )
