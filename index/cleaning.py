"""Remove web boilerplate lines (ad markers, "Also read:" and the headline it links, share/tag rows, comment forms).

Conservative on purpose: only whole lines that match a known boilerplate shape go, so no sentence of the story is
ever lost. The cleaned text is what gets stored, and every chunk offset refers to it.

Two marks inside lines go too: footnote markers ("[3]"), which point at notes we do not have and would pass for
newsdesk's own citation markers, and invisible format characters (zero-width spaces, bidi overrides) that hide words
from search or make displayed text read differently from what is stored. Joiners and RTL/LTR marks stay: scripts
such as Persian and Arabic need them.
"""

from __future__ import annotations

import re
from dataclasses import replace

from index.articles import Article

_AFTER_LABEL = r"(\s*[:|»>\-–—]\s*.*)?"  # a label is either the whole line or followed by a separator
_BOILERPLATE = [
    r"-*\s*advertisement\s*-*",
    r"(also read|read also|read more|see also|related( stories| articles| content)?|recommended|must read)"
    + _AFTER_LABEL,
    r"(leave a (reply|comment)|post a comment|add a comment|comments?)" + _AFTER_LABEL,
    r"(you must be logged in|your email address will not be published|required fields are marked).*",
    r"(share|share this( article| story| post)?|share on \w+|click to share.*|tags?|filed under|tweet)" + _AFTER_LABEL,
    r"(facebook|twitter|whatsapp|linkedin|telegram|email|print)(\s*[|,·•]\s*\w+){1,}",
    r"(sign up for|subscribe to) (our|the) newsletter.*",
    r"(study|reading|read) time\s*:?\s*\d+\s*min(ute)?s?",
    r"follow (us|every game)\s*:.*",
    r"-?\d{1,3}(\.\d)?\s*°?\s*[CF]",  # a site header's weather widget ("3.8 C")
]
_LINE_RE = re.compile(r"^[ \t]*(?:" + "|".join(_BOILERPLATE) + r")[ \t]*$", re.IGNORECASE | re.MULTILINE)
_MAX_BOILERPLATE_LINE = 120
# A label that ends in a separator and nothing else ("Also read:") puts the linked headline on the next line.
_LINK_LABEL = re.compile(
    r"(also read|read also|read more|see also|related( stories| articles)?|must read)\s*[:»>]", re.I
)
_BLANK_RUNS = re.compile(r"\n[ \t]*(?:\n[ \t]*){2,}")
_FOOTNOTE_MARKERS = re.compile(r"(?:[ \t]*\[\d{1,3}\])+(?P<glued>(?=[^\W_]))?")
# A script or style block pasted into plain text stays as the characters it is (it is shown, never run), on a line of
# its own: glued to the sentence after it, the two were one "sentence" that matched no question.
_CODE_BLOCK = re.compile(r"[ \t]*(<(script|style)\b[^>]{0,500}>.{0,20000}?</\2\s*>)[ \t]*", re.I | re.S)
_INVISIBLE = re.compile("[\u200b\u2060\ufeff\u202a-\u202e\u2066-\u2069]")


def is_boilerplate(line: str) -> bool:
    """Long lines are story text even when they open like boilerplate ("Related talks were held ...")."""
    stripped = line.strip()
    return len(stripped) <= _MAX_BOILERPLATE_LINE and bool(_LINE_RE.fullmatch(stripped))


def clean_text(text: str) -> str:
    text = _FOOTNOTE_MARKERS.sub(_unmarked, _INVISIBLE.sub("", text))
    text = _CODE_BLOCK.sub(lambda m: f"\n{m.group(1)}\n", text)
    kept: list[str] = []
    link_title_next = False
    for line in text.split("\n"):
        if link_title_next and line.strip() and len(line.strip()) <= _MAX_BOILERPLATE_LINE:
            link_title_next = False
            continue  # the headline of the story an "Also read:" line links to, not this story's text
        link_title_next = bool(_LINK_LABEL.fullmatch(line.strip()))
        if not is_boilerplate(line):
            kept.append(line)
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()


def _unmarked(marker: re.Match) -> str:
    """Markers go; where they were all that parted two sentences ("volunteers.[3][4]The festival"), a space stays,
    or the two read as one word and one sentence."""
    return " " if marker.group("glued") is not None else ""


def clean_article(article: Article) -> Article:
    return replace(article, text=clean_text(article.text))
