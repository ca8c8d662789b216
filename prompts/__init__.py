"""Prompt and message templates as files, rendered strictly: a missing variable is an error, not a blank."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from string import Template


@cache
def load(name: str) -> Template:
    return Template((files(__package__) / name).read_text(encoding="utf-8").strip())


def render(name: str, **values: str) -> str:
    return load(name).substitute(values)
