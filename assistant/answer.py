"""Extractive, evidence-first answers: the best-supported sentences of the retrieved passages, quoted and cited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import prompts
from assistant.candidates import Candidate
from assistant.citations import Citation
from assistant.conflicts import newest_first
from assistant.focus import FocusCheck
from assistant.followup import Turn
from assistant.question import (
    QuestionProfile,
    content_terms,
    has_kind,
    holds_answer,
    names_missing,
    profile,
    topic_terms,
)
from assistant.reader import Reader
from assistant.spelling import other_spellings
from index.chunking import sentence_spans
from index.embedding import Embedder
from index.english import has_a_verb
from index.store import Hit

MAX_SENTENCES = 3
_MIN_CHARS = 20
# A quote longer than this is cut at a word: a 20,000-character "sentence" (a page's unbroken run of text) was quoted
# whole. The sample's and January's longest real sentences are ~350 characters.
MAX_QUOTE_CHARS = 400
_LONGEST_WORD = 45
# Weights of the sentence score; the question-type bonus rewards a sentence that holds what was asked for (a place
# for "where", a quotation for "what did X say"). 0.05 → 0.1 took the sample's question-kind set
# (data/calibration/sample-kinds.jsonl) from 13 to 16 of 18 and left every RealTimeQA H1 figure as it was.
_DENSE, _LEXICAL, _PASSAGE, _KIND_BONUS = 0.55, 0.3, 0.15, 0.1
_FOLLOWER_MARGIN = 0.12  # a second or third sentence must score nearly as well as the best one
_REDUNDANT = 0.6  # term overlap above which a sentence repeats one already chosen
_SENTENCE_ENDS = (".", "!", "?", '"', "”", "’")
_CITED_SENTENCE = re.compile(r"\s*\[\d+\]\s*")  # the markers that end each quoted sentence of an answer
# "This was stated by Zhang Jun …", "This is reported by Bloomberg.", "According to the ministry.": alone, such a
# sentence says who said something, not what.
_POINTS_BACK = re.compile(
    r"(?:this|that|these|those|such|the (?:statement|remarks?|comments?|words))\b[^.]{0,80}?"
    r"\b(?:stated|said|reported|announced|noted|declared|written|mentioned|according)\b",
    re.I,
)
_BARE_SOURCE = re.compile(r"according to [^,;:.]{0,100}\.?", re.I)  # "According to an account by the ministry."


def _points_back(sentence: str) -> bool:
    return bool(_POINTS_BACK.match(sentence) or _BARE_SOURCE.fullmatch(sentence.strip()))


_QUOTED_BACK = 3  # sentences a quotation closed in one sentence may reach back to find where it opened
_EMBEDDED = 10  # sentences embedded per question: 16 → 10 cut ask p50 195 → 134 ms (Jan), answers as good (docs)


@dataclass(frozen=True)
class Answer:
    question: str
    text: str
    citations: tuple[Citation, ...]
    abstained: bool
    passages: tuple[Hit, ...] = field(default=())
    standalone: str = ""  # the question as retrieved for, when a follow-up was rewritten from the history
    evidence: float = 0.0  # the best sentence's: the reader's probability when it has a bar of its own, else its score

    @property
    def read_as(self) -> str:
        """The question as retrieved for: a follow-up's standalone rewrite, else the question itself."""
        return self.standalone or self.question

    def turn(self) -> Turn:
        """This exchange as the conversation's history keeps it: the next follow-up builds on the rewrite."""
        return Turn(self.read_as, self.text)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "standalone_question": self.read_as,
            "evidence": round(self.evidence, 4),
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [_hit_dict(h) for h in self.passages],
        }


def _hit_dict(hit: Hit) -> dict:
    return {
        "article_id": hit.article_id,
        "title": hit.title,
        "url": hit.url,
        "date": hit.published.isoformat() if hit.published else None,
        "start": hit.start,
        "end": hit.end,
        "score": round(hit.score, 4),
        "text": hit.text,  # what "closest passages" shows when the answer abstains, in any client
    }


@dataclass(frozen=True)
class Reading:
    """The trained reader in the answerer: its probability is added to a sentence's score at `weight`; with a
    `min_evidence` above 0 (its own scale) a quoted sentence must also reach that probability."""

    reader: Reader
    weight: float
    min_evidence: float
    option_weight: float = 0.0  # its share of a multiple-choice pick (assistant/choices.py)

    @property
    def ranks_sentences(self) -> bool:
        return self.weight > 0 or self.min_evidence > 0


class ExtractiveAnswerer:
    """Needs only the embedding model (and the reader's ONNX file, when turned on): no generative model is loaded."""

    def __init__(
        self,
        embedder: Embedder,
        min_evidence: float,
        max_quote_chars: int = MAX_QUOTE_CHARS,
        reading: Reading | None = None,
        min_focus_similarity: float = 0.0,
    ):
        self.embedder = embedder
        self.focus = FocusCheck(embedder, min_focus_similarity)
        self.min_evidence = min_evidence
        self.max_quote_chars = max_quote_chars
        self.reading = reading
        self._last: tuple[tuple, list[Candidate]] | None = None

    def answer(
        self, question: str, hits: Sequence[Hit], standalone: str = "", already_said: Sequence[str] = ()
    ) -> Answer:
        """`standalone` is what retrieval used; what earlier turns `already_said` is not repeated, nor reworded."""
        evidence = " ".join(h.text for h in hits)
        asked = asked_of(standalone or question, evidence)
        said = [part for text in already_said for part in _CITED_SENTENCE.split(text) if part.strip()]
        candidates = [c for c in self.score(asked, hits) if all(_similarity(c.text, s) < _REDUNDANT for s in said)]
        rewritten = standalone if standalone != question else ""
        best = self._evidence(candidates[0]) if candidates else 0.0
        answering = [c for c in candidates if self._answers(c) and holds_answer(c.text, asked)]
        if not answering or names_missing(asked, evidence) or self.focus.unmet(asked, evidence):
            text = prompts.render("abstain.md", question=question.strip())
            return Answer(question, text, (), True, tuple(hits), rewritten, best)
        ordered, superseded = newest_first(answering, _FOLLOWER_MARGIN)
        chosen = choose(ordered)
        citations = tuple(_citation(number, c) for number, c in enumerate(chosen, start=1))
        text = " ".join(f"{c.text}{'…' if c.cut else ''} [{n}]" for n, c in enumerate(chosen, start=1))
        if superseded is not None:
            older = sorted({c.hit.published.isoformat() for c in superseded.older if c.hit.published})
            newest = superseded.newest.hit.published.isoformat() if superseded.newest.hit.published else ""
            text = prompts.render("newest.md", date=newest, older=", ".join(older)) + " " + text
        return Answer(question, text, citations, False, tuple(hits), rewritten, best)

    def _evidence(self, candidate: Candidate) -> float:
        """The evidence an answer reports, which bench/calibrate.py sweeps: the reader's probability when it read the
        sentence and has a bar of its own, else the heuristic score (without the reader's share). `_answers` decides."""
        if self.reading is not None and self.reading.min_evidence > 0 and candidate.reading is not None:
            return candidate.reading
        return candidate.own_score

    def _answers(self, candidate: Candidate) -> bool:
        """The bars every quoted sentence clears, the first and any that join it (issue 28: a second sentence joins
        only when it answers too): the heuristic score's and, when it has one, the reader's on top of it (the reader
        alone let through what the heuristics refuse and refused a fifth of the right answers: docs/quality.md)."""
        if candidate.own_score < self.min_evidence:
            return False
        bar = self.reading.min_evidence if self.reading is not None else 0.0
        return bar <= 0 or candidate.reading is None or candidate.reading >= bar

    def score(self, asked: QuestionProfile, hits: Sequence[Hit]) -> list[Candidate]:
        """All sentences of all passages, best first; the same sentence in two passages counts once.

        The last result is kept: the answer and the multiple-choice pick score the same sentences once.
        """
        key = (asked.text, tuple(h.chunk_id for h in hits))
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        scored = self._score(asked, hits)
        self._last = (key, scored)
        return scored

    def _score(self, asked: QuestionProfile, hits: Sequence[Hit]) -> list[Candidate]:
        """Cheap features rank every sentence; only the best `_EMBEDDED` are embedded (the answer's main cost)."""
        spans = _sentences(hits, self.max_quote_chars)
        if not spans:
            return []
        best_passage = max(h.score for h in hits) or 1.0
        cheap = []
        for hit, start, end, text, cut in spans:
            read = asked.as_asked(text)
            value = _LEXICAL * _overlap(asked, read) + _PASSAGE * hit.score / best_passage
            value += _KIND_BONUS if has_kind(read, asked.wants, asked) else 0.0
            cheap.append((value, hit, start, end, text, read, cut))
        cheap = sorted(cheap, key=lambda row: row[0], reverse=True)[:_EMBEDDED]
        vectors = self.embedder.embed_sentences([asked.text] + [row[5] for row in cheap])
        query = vectors[0]
        readings: list[float | None] = [None] * len(cheap)
        if self.reading is not None and self.reading.ranks_sentences:
            readings = list(self.reading.reader.scores(asked.text, [row[4] for row in cheap]))
        weight = self.reading.weight if self.reading is not None else 0.0
        scored = []
        for (value, hit, start, end, text, _, cut), vector, read in zip(cheap, vectors[1:], readings, strict=True):
            dense = sum(a * b for a, b in zip(query, vector, strict=True))
            heuristic = value + _DENSE * dense
            total = heuristic + weight * (read or 0.0)
            scored.append(Candidate(hit, start, end, text, total, cut, read, heuristic if read is not None else None))
        return sorted(scored, key=lambda c: c.score, reverse=True)


def asked_of(question: str, evidence: str) -> QuestionProfile:
    """The question, and the other spellings the passages give its names ("Kiev" for its "Kyiv")."""
    asked = profile(question)
    return replace(asked, spellings=tuple(other_spellings(asked.names, evidence).items()))


def choose(candidates: list[Candidate]) -> list[Candidate]:
    """The best sentence, then up to two near-equals that add something new and read as sentences (issue 28: never
    a headline, a line with no closing punctuation or one without a verb). A headline or a caption leads only when
    no near-equal sentence of prose is there to lead instead."""
    # Near-equals by the heuristic score: the reader's share (when it ranks sentences) lifted a lead out of its
    # followers' reach, and 4 of the sample's right answers lost the sentence that answered (docs/quality.md).
    bar = candidates[0].own_score - _FOLLOWER_MARGIN
    near = [c for c in candidates if c.own_score >= bar]
    # The lead is the best near-equal that reads as prose; `min` keeps score order among equals.
    chosen = [min(near, key=lambda c: (is_headline(c), not reads_as_sentence(c)))]
    for candidate in near:
        if len(chosen) == MAX_SENTENCES:
            break
        if candidate is chosen[0] or is_headline(candidate) or not reads_as_sentence(candidate):
            continue
        if all(_similarity(candidate.text, c.text) < _REDUNDANT for c in chosen):
            chosen.append(candidate)
    return chosen


def reads_as_sentence(candidate: Candidate) -> bool:
    """A clause that ends as prose does (a long sentence cut at the quote bound ends by the cut): not a caption,
    dateline or byline that happens to end with a full stop ("Photo: Reuters.", "By Anna Li.")."""
    return has_a_verb(candidate.text) and (candidate.cut or ends_as_sentence(candidate.text))


def ends_as_sentence(text: str) -> bool:
    """Closing punctuation, as prose has; a line without it is a heading, a caption, a "Read more" link or a
    standfirst restating the headline. Such a line padded 5 of the sample's 169 calibration answers as their second
    sentence ("Xi Jinping stated at the meeting with Medvedev that China wants negotiations on Ukraine")."""
    return text.rstrip().endswith(_SENTENCE_ENDS)


def is_headline(candidate: Candidate) -> bool:
    """An article's title, or its first line with no closing punctuation: it names a story, it states nothing the
    answer's first sentence needs added ("China's plan for a 'political solution to the Ukrainian crisis'")."""
    text = " ".join(candidate.text.split()).lower()
    if text == " ".join(candidate.hit.title.split()).lower():
        return True
    return candidate.start == 0 and not ends_as_sentence(text)


def _sentences(hits: Sequence[Hit], max_chars: int) -> list[tuple[Hit, int, int, str, bool]]:
    """Each sentence of the passages once; one that points back ("This was stated by …") keeps the one before it,
    and one that closes a quotation ("… were useful,” Medvedev said.") keeps the sentences the quotation opened in.
    One longer than `max_chars` is cut at a word (flagged), or left out when it is no prose at all."""
    seen: set[str] = set()
    found = []
    for hit in hits:
        spans = sentence_spans(hit.text)
        for number, (start, end) in enumerate(spans):
            start = spans[_quotation_opens(hit.text, spans, number)][0]
            if number and start == spans[number][0] and _points_back(hit.text[start:end]):
                start = spans[number - 1][0]
            text = hit.text[start:end]
            cut = len(text) > max_chars
            if cut:
                text = _cut_at_word(text, max_chars)
                end = start + len(text)
            key = " ".join(text.lower().split())
            if len(text) >= _MIN_CHARS and key not in seen:
                seen.add(key)
                found.append((hit, hit.start + start, hit.start + end, text, cut))
    return found


def _cut_at_word(sentence: str, max_chars: int) -> str:
    """The sentence up to its last whole word within `max_chars`; "" (left out) when that stretch is no prose: a
    run of one character, or words longer than any language's (a scraped page's glued or padded text)."""
    head = sentence[: max_chars + 1]
    words = head[:max_chars].split()
    if len(set(head.replace(" ", ""))) < 4 or not words or max(map(len, words)) > _LONGEST_WORD:
        return ""
    at = head.rfind(" ", 0, max_chars + 1) if not head[max_chars:].startswith(" ") else max_chars
    return sentence[:at].rstrip(" ,;:–—-") if at > 0 else ""


def _quotation_opens(text: str, spans: Sequence[tuple[int, int]], number: int) -> int:
    """The sentence where the quotation that sentence `number` closes was opened; `number` itself when it closes
    none, or when the opening is more than _QUOTED_BACK sentences or a line break away. Punkt cuts a quotation into
    its sentences, which leaves the speaker on the last one only."""
    if _quote_balance(text[spans[number][0] : spans[number][1]]) >= 0:
        return number
    for earlier in range(number - 1, max(-1, number - 1 - _QUOTED_BACK), -1):
        if "\n" in text[spans[earlier][1] : spans[earlier + 1][0]]:
            return number
        balance = _quote_balance(text[spans[earlier][0] : spans[earlier][1]])
        if balance > 0:
            return earlier
        if balance < 0:
            return number
    return number


def _quote_balance(sentence: str) -> int:
    """Quotations a sentence opens (> 0) or closes (< 0) and leaves open: curly marks by their side, a lone straight
    one by whether a word follows it."""
    balance = sentence.count("“") - sentence.count("”")
    if sentence.count('"') % 2:
        at = sentence.index('"') if sentence.count('"') == 1 else sentence.rindex('"')
        balance += 1 if sentence[at + 1 : at + 2].isalnum() else -1
    return balance


def _overlap(asked: QuestionProfile, sentence: str) -> float:
    if not asked.topics:
        return 0.0
    return len(asked.topics & topic_terms(sentence)) / len(asked.topics)


def _similarity(a: str, b: str) -> float:
    ta, tb = content_terms(a), content_terms(b)
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


def _citation(number: int, candidate: Candidate) -> Citation:
    hit = candidate.hit
    return Citation(
        number,
        hit.article_id,
        hit.title,
        hit.published,
        hit.url,
        candidate.start,
        candidate.end,
        candidate.text,
    )
