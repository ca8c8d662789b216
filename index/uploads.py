"""Uploaded article files: checked by name, type and size, then staged under their own names for ingest.

The browser upload and `POST /api/ingest` both come through here, so a hostile name (`../x`) or an oversized file
gets the same named error on either path, and the article id (the file's stem) is the name the user chose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO

from index.articles import SUPPORTED, LoadError, suffix_of

_COPY_CHUNK = 1 << 20


@dataclass(frozen=True)
class Upload:
    name: str  # as the user's browser or client sent it
    stream: BinaryIO


@dataclass
class Staged:
    paths: list[Path] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)


def check_name(name: str) -> str | None:
    """Why this upload name is refused, or None: only a plain file name of a supported type is accepted."""
    plain = PurePosixPath(name).name == name and PureWindowsPath(name).name == name
    if not name or not plain or name in (".", "..") or name.startswith("."):
        return "refused: the file name must be a plain name without folders or '..'"
    if suffix_of(Path(name)) not in SUPPORTED:
        return f"refused: unsupported file type; use one of {', '.join(SUPPORTED)}"
    return None


def stage_uploads(uploads: Iterable[Upload], folder: Path, max_bytes: int) -> Staged:
    """Copy each acceptable upload into `folder` under its own name; refuse the rest with a reason."""
    staged = Staged()
    for upload in uploads:
        problem = check_name(upload.name)
        target = folder / upload.name
        if problem is None and target.exists():
            problem = "refused: another upload in this batch has the same name"
        if problem is None:
            problem = _copy_bounded(upload.stream, target, max_bytes)
        if problem is None:
            staged.paths.append(target)
        else:
            staged.errors.append(LoadError(upload.name, None, problem))
    return staged


def _copy_bounded(source: BinaryIO, target: Path, max_bytes: int) -> str | None:
    copied = 0
    with open(target, "wb") as out:
        while block := source.read(_COPY_CHUNK):
            copied += len(block)
            if copied > max_bytes:
                break
            out.write(block)
    if copied > max_bytes:
        target.unlink()
        return f"refused: larger than the upload limit of {max_bytes / 1e6:.0f} MB (NEWSDESK_MAX_UPLOAD_MB)"
    return None
