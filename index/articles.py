"""Read articles from .txt/.md/.html/.jsonl[.gz] files and directories, reporting bad input without stopping."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from index.html_text import html_to_article_parts

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".jsonl.gz", ".ndjson"}
SUPPORTED = sorted(TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES)
JSONL_KEYS = "doc_id|id, title, url, publish_date|date, text"

# A scraped-text convention seen in the sample corpus: the file opens with " date 2022-11-16 ".
_DATE_PREFIX = re.compile(r"\A\s*date\s+(\d{4}-\d{2}-\d{2})\s+")
MAX_ARTICLE_BYTES = 5_000_000  # ~50 long-reads: anything larger is a dump or a mistake, not one article
_PIECE = 1 << 20
_TITLE_MAX = 160
_TITLE_MIN_WORDS = 5


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str
    url: str = ""
    published: date | None = None
    source: str = ""


@dataclass(frozen=True)
class LoadError:
    """One unreadable file or line; loading goes on past it."""

    source: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.message}"


def parse_date(value: object) -> date | None:
    """Accept the date spellings feeds use (2023-01-05, 2023/01/05, ISO datetimes); None when absent."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected a date string, found {type(value).__name__}")
    text = value.strip().replace("/", "-")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    match = re.match(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not match:
        raise ValueError(f"unrecognised date {value!r} (expected YYYY-MM-DD)")
    return date(*(int(part) for part in match.groups()))


def title_from_text(text: str) -> str:
    """Plain-text articles carry no title field: the first line of five words or more is the headline
    (shorter opening lines of scraped pages are weather, dates and section names)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    first = next((line for line in lines if len(line.split()) >= _TITLE_MIN_WORDS), lines[0] if lines else "")
    return first if len(first) <= _TITLE_MAX else first[: _TITLE_MAX - 1].rstrip() + "…"


def suffix_of(path: Path) -> str:
    name = path.name.lower()
    return ".jsonl.gz" if name.endswith(".jsonl.gz") else path.suffix.lower()


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | LoadError]:
    """Expand directories recursively, in a stable order; unsupported or missing paths are errors."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if suffix_of(child) in SUPPORTED and not child.name.startswith("."):
                    yield child
        elif not path.exists():
            yield LoadError(str(path), None, "no such file or directory")
        elif suffix_of(path) in SUPPORTED:
            yield path
        else:
            yield LoadError(str(path), None, f"unsupported file type (expected one of {', '.join(SUPPORTED)})")


def load_articles(
    paths: Iterable[str | Path], max_article_bytes: int = MAX_ARTICLE_BYTES
) -> Iterator[Article | LoadError]:
    """Yield every article found under `paths`, and a LoadError for each thing that could not be read."""
    for item in iter_files(paths):
        if isinstance(item, LoadError):
            yield item
        elif suffix_of(item) in JSONL_SUFFIXES:
            yield from _load_jsonl(item, max_article_bytes)
        else:
            yield _load_document(item, max_article_bytes)


def count_articles(paths: Iterable[str | Path]) -> int:
    """A cheap upper bound for progress bars: one per document file, one per non-empty JSONL line."""
    total = 0
    for item in iter_files(paths):
        if isinstance(item, LoadError):
            continue
        if suffix_of(item) in JSONL_SUFFIXES:
            try:
                with _open_bytes(item) as handle:
                    total += sum(1 for _ in bounded_lines(handle, MAX_ARTICLE_BYTES))
            except (OSError, EOFError):
                continue  # the load itself reports it
        else:
            total += 1
    return total


def _open_bytes(path: Path):
    """Lines are decoded one by one, so a bad byte costs its line, not the rest of the file."""
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def bounded_lines(handle, limit: int) -> Iterator[tuple[int, bytes | int]]:
    """(line number, line) for each non-blank line, or (number, its size) for one over `limit`, read in pieces so
    memory stays at `limit` plus a piece however long the line: a 1 MB .gz can expand to one 1 GB line."""
    number = 0
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            size = len(line)
            while (piece := handle.readline(_PIECE)) and not piece.endswith(b"\n"):
                size += len(piece)
            yield number, size + len(piece)
        elif line.strip():
            yield number, line


def _decode(raw: bytes) -> str:
    """UTF-8 text or a ValueError saying why not; NUL bytes mean binary data even when they decode."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text (byte {exc.start}); re-save it as UTF-8") from None
    if "\x00" in text:
        raise ValueError("binary data (NUL bytes), not text")
    return text


def _too_big(size: int, limit: int) -> str:
    return f"{size / 1e6:.1f} MB is more than one article can be ({limit / 1e6:.1f} MB, NEWSDESK_MAX_ARTICLE_MB)"


def _load_document(path: Path, max_bytes: int) -> Article | LoadError:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return LoadError(str(path), None, _too_big(size, max_bytes) + "; split it into articles")
        raw = _decode(path.read_bytes())
    except ValueError as exc:
        return LoadError(str(path), None, str(exc))
    except OSError as exc:
        return LoadError(str(path), None, f"cannot read file: {exc.strerror or exc}")
    if suffix_of(path) in HTML_SUFFIXES:
        parts = html_to_article_parts(raw)
        text, title, published = parts.text, parts.title, _safe_date(parts.published)
    else:
        text, published = _split_date_prefix(raw)
        title = ""
    if not text.strip():
        return LoadError(str(path), None, "no article text found (the file is empty or has no visible text)")
    return Article(path.stem, title or title_from_text(text), text, "", published, str(path))


def _split_date_prefix(raw: str) -> tuple[str, date | None]:
    match = _DATE_PREFIX.match(raw)
    if not match:
        return raw, None
    return raw[match.end() :], _safe_date(match.group(1))


def _safe_date(value: str | None) -> date | None:
    try:
        return parse_date(value)
    except ValueError:
        return None


def _load_jsonl(path: Path, max_bytes: int) -> Iterator[Article | LoadError]:
    try:
        with _open_bytes(path) as handle:
            for number, line in bounded_lines(handle, max_bytes):
                if isinstance(line, int):
                    yield LoadError(str(path), number, _too_big(line, max_bytes))
                else:
                    yield _article_from_json_line(line, str(path), number, max_bytes)
    except (OSError, EOFError) as exc:
        yield LoadError(str(path), None, f"file is unreadable past this point: {exc}")


def _article_from_json_line(raw: bytes, source: str, number: int, max_bytes: int) -> Article | LoadError:
    if len(raw) > max_bytes:
        return LoadError(source, number, _too_big(len(raw), max_bytes))
    try:
        line = _decode(raw)
    except ValueError as exc:
        return LoadError(source, number, str(exc))
    try:
        record = json.loads(line.strip())
    except json.JSONDecodeError as exc:
        return LoadError(source, number, f"invalid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(record, dict):
        return LoadError(source, number, f"expected a JSON object with keys {JSONL_KEYS}")
    try:
        return _article_from_record(record, source)
    except ValueError as exc:
        return LoadError(source, number, f"{exc} (expected keys: {JSONL_KEYS})")


def _article_from_record(record: dict, source: str) -> Article:
    text = _field(record, "text", required=True)
    if not text.strip():
        raise ValueError("empty 'text' field")
    url = _field(record, "url")
    article_id = _field(record, "doc_id") or _field(record, "id") or url
    if not article_id:
        raise ValueError("missing 'doc_id' or 'id' field")
    if not url and article_id.startswith(("http://", "https://")):
        url = article_id
    published = parse_date(record.get("publish_date") or record.get("date"))
    return Article(article_id, _field(record, "title") or title_from_text(text), text, url, published, source)


def _field(record: dict, key: str, required: bool = False) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise ValueError(f"missing {key!r} field")
        return ""
    if isinstance(value, int | float) and key in ("id", "doc_id"):
        return str(value)
    if not isinstance(value, str):
        raise ValueError(f"field {key!r} should be a string, found {type(value).__name__}")
    return value
