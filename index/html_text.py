"""Visible text of an HTML page, block by block, with its title and publish date.

Written on the standard library's HTMLParser because it reports element ends, which is what keeps paragraphs
apart; trafilatura would add lxml and its own cleaning that we could not keep offsets honest against.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_HIDDEN = {
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "head",
    "iframe",
    "object",
    "form",
    "button",
    "nav",
}
_BLOCKS = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "br",
    "hr",
    "dd",
    "dt",
}
_DATE_META = {"article:published_time", "og:published_time", "date", "pubdate", "dc.date", "publish-date"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}


@dataclass
class HtmlParts:
    title: str = ""
    published: str | None = None
    text: str = ""


@dataclass
class _Collector(HTMLParser):
    parts: HtmlParts = field(default_factory=HtmlParts)
    chunks: list[str] = field(default_factory=list)
    hidden_depth: int = 0
    in_title: bool = False

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key: value or "" for key, value in attrs}
        if tag == "meta":
            self._read_meta(values)
        elif tag == "time" and values.get("datetime") and not self.parts.published:
            self.parts.published = values["datetime"]
        if tag == "title":
            self.in_title = True
        elif tag in _HIDDEN and tag not in _VOID:
            self.hidden_depth += 1
        if tag in _BLOCKS:
            self.chunks.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        elif tag in _HIDDEN and self.hidden_depth:
            self.hidden_depth -= 1
        if tag in _BLOCKS:
            self.chunks.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.parts.title += data
        elif not self.hidden_depth:
            self.chunks.append(data)

    def _read_meta(self, values: dict[str, str]) -> None:
        key = (values.get("property") or values.get("name") or "").lower()
        if key in _DATE_META and not self.parts.published:
            self.parts.published = values.get("content")
        elif key == "og:title" and values.get("content"):
            self.parts.title = values["content"]


def html_to_article_parts(html: str) -> HtmlParts:
    """Text is never kept as markup: every tag is dropped, character references are decoded."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    parts = collector.parts
    parts.title = " ".join(parts.title.split())
    parts.text = _tidy("".join(collector.chunks))
    return parts


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
