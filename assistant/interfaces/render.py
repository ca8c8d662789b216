"""Plain-text rendering of an answer for terminals: the answer, then numbered sources with dates and quotes."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from urllib.parse import quote

from assistant.answer import Answer
from assistant.citations import Citation
from index.ingest import IngestReport
from index.store import Hit

_WIDTH = 100
_CLOSEST = 3
_SNIPPET = 300  # characters of a closest passage shown when the answer abstains, cut at a word


def answer_as_text(data: dict) -> str:
    """The terminal's rendering of `answer_json`, also of one that came back from a running app's /api/ask."""
    lines = textwrap.wrap(data["answer"], _WIDTH) or [data["answer"]]
    if data["citations"]:
        lines += ["", "Sources:"]
        for cited in data["citations"]:
            lines.append(
                f"  [{cited['number']}] {cited['title']} ({cited['date'] or 'undated'}) — {cited['article_id']}"
            )
            lines.append(f"      chars {cited['start']}-{cited['end']}{'  ' + cited['url'] if cited['url'] else ''}")
            lines += _wrapped_quote(cited["quote"])
    elif data["retrieved"]:
        lines += ["", "Closest passages:"]
        for hit in data["retrieved"][:_CLOSEST]:
            lines.append(
                f"  - {hit['title']} ({hit['date'] or 'undated'}) — {hit['article_id']}, score {hit['score']:.2f}"
            )
            snippet = textwrap.shorten(hit["text"], 240, placeholder=" …")
            lines += textwrap.wrap(snippet, _WIDTH, initial_indent="      ", subsequent_indent="      ")
    if data.get("newer_left_out"):
        lines += ["", f"({data['newer_left_out']} newer article(s) left out: published after the --as-of day)"]
    return "\n".join(lines)


def choice_as_text(data: dict) -> str:
    lines = [f"Choice: {data['option']}"]
    cited = data["citation"]
    if cited is None:
        lines.append("  (no retrieved sentence names this option: it is the best-backed one, not a quoted fact)")
    else:
        where = f"{cited['article_id']}, chars {cited['start']}-{cited['end']}"
        lines.append(f"  {cited['title']} ({cited['date'] or 'undated'}) — {where}")
        lines += _wrapped_quote(cited["quote"])
    return "\n".join(lines)


_QUOTE_MARKS = "“”\"'‘’«»"


def _wrapped_quote(quote: str) -> list[str]:
    """A quote in curly marks, unless the article's own text already opens with one (no doubled ““)."""
    marked = quote if quote[:1] in _QUOTE_MARKS else f"“{quote}”"
    return textwrap.wrap(marked, _WIDTH, initial_indent="      ", subsequent_indent="       ")


_MARKDOWN_SPECIALS = set("\\`*_{}[]()<>#+-.!|~:@=$")  # ':' and '@' stop autolinking of bare URLs and emails


def as_literal_markdown(text: str) -> str:
    """Article text shown in a Markdown widget must display as typed: no HTML, links, images or emphasis."""
    escaped = "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIALS else ch for ch in text)
    return escaped.replace("&", "&amp;")


def sources_as_markdown(answer: Answer) -> str:
    """The sources panel: each citation with title, date, link text and its quote, all shown literally; a follow-up
    first shows what it was read as, so a wrong rewrite is seen rather than guessed from odd sources."""
    if not answer.citations and not answer.passages:
        return ""
    read_as = f"*Read as:* {as_literal_markdown(answer.standalone)}\n\n" if answer.standalone else ""
    if answer.citations:
        return f"{read_as}### Sources\n\n" + source_cards(answer)
    rows = [_passage_row(n, h) for n, h in enumerate(answer.passages[:_CLOSEST], start=1)]
    return f"{read_as}### Closest passages (not an answer)\n\n" + "\n\n".join(rows)


def _passage_row(number: int, hit: Hit) -> str:
    when = hit.published.isoformat() if hit.published else "undated"
    return (
        f"**\\[{number}\\] {as_literal_markdown(hit.title)}** · {when} · `{hit.article_id.replace('`', '')}`\n\n"
        f"> {_literal_flat(textwrap.shorten(hit.text, _SNIPPET, placeholder=' …'))}"
    )


def source_card(citation: Citation, passages: Sequence[Hit]) -> str:
    """One citation as a card: title, date, link, and its passage with the cited span highlighted.

    The article text is escaped to literal markdown; the only markup in the card is what this function writes.
    """
    return passage_card([citation], _passage_of(citation, passages))


def passage_card(citations: Sequence[Citation], hit: Hit | None) -> str:
    """Citations quoting one passage share one card, each span highlighted: printed once per citation, the same
    passage stood twice under Sources."""
    first = citations[0]
    if hit is None:
        passage = f"<mark>{_literal_flat(first.quote)}</mark>"
    else:
        pieces, at = [], 0
        for cited in sorted(citations, key=lambda c: c.start):
            start, end = max(at, cited.start - hit.start), cited.end - hit.start
            pieces += [_literal_lines(hit.text[at:start]), f"<mark>{_literal_flat(hit.text[start:end])}</mark>"]
            at = max(at, end)
        passage = "".join(pieces) + _literal_lines(hit.text[at:])
    when = first.published.isoformat() if first.published else "undated"
    numbers = " ".join(f"\\[{c.number}\\]" for c in citations)
    return (
        f"#### {numbers} {as_literal_markdown(first.title)}\n\n"
        f"**{when}** · {_link(first.url)}`{first.article_id.replace('`', '')}`\n\n"
        f"> {passage}"
    )


def source_cards(answer: Answer) -> str:
    by_passage: dict[object, list[Citation]] = {}
    for citation in answer.citations:
        hit = _passage_of(citation, answer.passages)
        key = (hit.article_id, hit.start) if hit is not None else citation.key
        by_passage.setdefault(key, []).append(citation)
    cards = [passage_card(group, _passage_of(group[0], answer.passages)) for group in by_passage.values()]
    return "\n\n---\n\n".join(cards)


def _passage_of(citation: Citation, passages: Sequence[Hit]) -> Hit | None:
    return next(
        (
            h
            for h in passages
            if h.article_id == citation.article_id and h.start <= citation.start <= citation.end <= h.end
        ),
        None,
    )


def _literal_flat(text: str) -> str:
    return as_literal_markdown(re.sub(r"\s+", " ", text))


def _literal_lines(text: str) -> str:
    """Literal text that keeps the article's line breaks as paragraphs of the card's quote block: a headline and the
    paragraph under it do not run together."""
    return "\n>\n> ".join(_literal_flat(line) for line in re.split(r"[ \t]*\n\s*", text))


def _link(url: str) -> str:
    """Only http(s) URLs become links (javascript:, data: and the like stay text); the target is percent-quoted."""
    if not re.match(r"https?://", url, re.I):
        return f"{as_literal_markdown(url)} · " if url else ""
    target = quote(url, safe=":/?&=#%@+,;~")
    return f"[{as_literal_markdown(url)}]({target}) · "


def ingest_summary(report: IngestReport) -> str:
    """What an upload did, for the page: counts first, then every refused file or line by name."""
    lines = [
        f"**Added {report.added} article(s)** ({report.chunks_added} passages) · {report.unchanged} already stored · "
        f"{report.duplicates} duplicate(s) · {len(report.errors)} problem(s) · {report.seconds:.1f} s"
    ]
    lines += [f"- {as_literal_markdown(str(error))}" for error in report.errors[:50]]
    if len(report.errors) > 50:
        lines.append(f"- … and {len(report.errors) - 50} more")
    return "\n".join(lines)
