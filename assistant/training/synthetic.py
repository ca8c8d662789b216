"""Synthetic questions from the corpus: a name or a figure of a news sentence asked for, answered by the article's
*other* sentences that restate it (issue 26).

The dev split gives ~500 questions; the corpus gives thousands of facts. A fact the article states twice (headline
and lead, lead and body) is a question with a paraphrased answer: the question is one sentence with its name or
figure turned into a wh-word; the positives are the article's other sentences that hold that name or figure and share
at least `MIN_SHARED` (and a third) of the question's words; the negatives are the sentences sharing most of its
words without it: on-topic lines that do not answer, which is what the heuristic reader confuses. A question is kept
only when a negative shares as many of its words as its positive, so word overlap alone cannot tell them apart. The
sentence the question was made from is never an example (it would teach copying). Only articles published up to
`CUTOFF` are read.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Iterator
from datetime import date

from assistant.question import content_terms
from assistant.training.examples import Example
from index.articles import Article
from index.chunking import sentence_spans
from index.english import has_a_verb

CUTOFF = date(2023, 6, 30)  # issue 26: training data from the corpus ends with the H1 questions' last day
MIN_SHARED = 3  # question words a positive shares besides the answer (and a third of them): it restates the fact
MAX_QUESTIONS = 2  # per article, so no long article dominates
MAX_NEGATIVES = 4
MAX_OPTIONS = 3  # wrong options per question as multiple choice, as a four-option quiz has
_CHARS = (50, 300)  # sentences outside this are captions, datelines or run-ons

_MONEY = re.compile(r"(?:[$£€]\s?\d[\d,.]*(?:\s?(?:million|billion|trillion|bn|m)\b)?|\d[\d,.]*\s(?:million|billion)"
                    r"\s(?:dollars|pounds|euros))")  # fmt: skip
_PERCENT = re.compile(r"\d[\d,.]*\s?(?:%|percent\b|per cent\b)")
_COUNT = re.compile(r"(?<![\w.,$£€-])(?!(?:19|20)\d\d\b)\d[\d,]*\d(?:\.\d+)?(?:\s(?:million|billion))?(?=\s[a-z])"
                    r"(?!\s[ap]\.m)")  # fmt: skip
_NAME = re.compile(r"(?<![\w’'-])[A-Z][a-z]+(?:\s(?:of\s|the\s|de\s)?[A-Z][a-z]+)+(?![\w’'-])")
_CAPTION = re.compile(r"\w/\w|^[A-Z][\w .,'-]{0,40}(?:\s[-–—]|:)\s")  # photo credits, "City:" and "CITY —" datelines
_NOT_A_NAME = re.compile(r"^(?:The|A|An|In|On|At|But|And|If|When|As|After|Before|This|That|Monday|Tuesday|Wednesday"
                         r"|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August"
                         r"|September|October|November|December)\b")  # fmt: skip


def synthetic_examples(articles: Iterable[Article], rng: random.Random) -> Iterator[Example]:
    for article in articles:
        if article.published is None or article.published > CUTOFF:
            continue
        sentences = _sentences(article)
        terms = [content_terms(text) for text in sentences]
        facts = [(i, span, wh) for i, text in enumerate(sentences) for span, wh in _answers(text)]
        rng.shuffle(facts)
        asked = 0
        for index, span, wh in facts:
            made = _examples(article.id, sentences, terms, index, span, wh)
            if made:
                yield from made
                asked += 1
            if asked == MAX_QUESTIONS:
                break


def some_questions(examples: list[Example], count: int, rng: random.Random) -> list[Example]:
    """`count` questions drawn at random from the whole half year, each with all its examples (its multiple-choice
    form's too)."""
    sources = list(dict.fromkeys(_question_of(e) for e in examples))
    kept = set(rng.sample(sources, min(count, len(sources))))
    return [e for e in examples if _question_of(e) in kept]


def _question_of(example: Example) -> str:
    return example.source.removesuffix("#choices")


def _sentences(article: Article) -> list[str]:
    found = [article.title.strip()] if article.title.strip() else []
    for start, end in sentence_spans(article.text):
        text = " ".join(article.text[start:end].split())
        if _CHARS[0] <= len(text) <= _CHARS[1] and has_a_verb(text) and not _CAPTION.search(text):
            found.append(text)
    return list(dict.fromkeys(found))


def _answers(sentence: str) -> Iterator[tuple[tuple[int, int], str]]:
    """(where the answer is, the wh-words replacing it) for each name and figure the sentence holds."""
    for pattern, wh in ((_MONEY, "how much"), (_PERCENT, "what percentage"), (_COUNT, "how many")):
        for match in pattern.finditer(sentence):
            yield match.span(), wh
    for match in _NAME.finditer(sentence):
        if not _NOT_A_NAME.match(match.group()):
            yield match.span(), "who or what"


def _examples(
    source: str, sentences: list[str], terms: list[set[str]], index: int, span: tuple[int, int], wh: str
) -> list[Example]:
    made_from = sentences[index]
    start, end = span
    question = (made_from[:start] + wh + made_from[end:]).rstrip(" .") + "?"
    asked = content_terms(question)
    holds = re.compile(rf"(?<![\w.,]){re.escape(made_from[start:end].strip())}(?![\w]|[.,]\d)", re.IGNORECASE)
    positives, others = [], []
    for i, text in enumerate(sentences):
        if i == index:
            continue
        shared = len(asked & terms[i])
        if holds.search(text):
            if shared >= max(MIN_SHARED, len(asked) / 3):
                positives.append((shared, text))
        elif shared:
            others.append((shared, text))
    others.sort(key=lambda pair: pair[0], reverse=True)
    if not positives or not others:
        return []
    # The positive sharing fewest words, and only if a negative shares as many: shared words must not tell the label
    # (a reader trained without this scored "Xi spoke with Scholz" 0.94 for "What did Xi and Scholz discuss?").
    overlap, positive = min(positives)
    if others[0][0] < overlap:
        return []
    tag = f"synthetic:{source}#{index}"
    return (
        [Example(question, positive, 1.0, tag)]
        + [Example(question, text, 0.0, tag) for _, text in others[:MAX_NEGATIVES]]
        + _as_choices(
            question,
            made_from[start:end].strip(),
            positive,
            sentences[:index] + sentences[index + 1 :],
            wh,
            f"{tag}#choices",
        )  # fmt: skip
    )


def _as_choices(question: str, answer: str, positive: str, sentences: list[str], wh: str, tag: str) -> list[Example]:
    """The question as multiple choice, read as `assistant/choices.py` reads an option ("question + option", a
    sentence naming it): the answer against the positive is a positive; the article's other names or figures of the
    same kind are the wrong options, each against a sentence naming it: the positive itself when it does (the option
    is there, in another role), else the first that does. `sentences` leaves out the one the question was made from."""
    kind = {"how much": _MONEY, "what percentage": _PERCENT, "how many": _COUNT}.get(wh)
    found = [m.group() for text in sentences for m in (kind or _NAME).finditer(text)]
    wrong = [w for w in dict.fromkeys(found) if answer.lower() not in w.lower() and w.lower() not in answer.lower()]
    made = [Example(f"{question} {answer}", positive, 1.0, tag)]
    for option in [w for w in wrong if kind is not None or not _NOT_A_NAME.match(w)][:MAX_OPTIONS]:
        naming = positive if option in positive else next(t for t in sentences if option in t)
        made.append(Example(f"{question} {option}", naming, 0.0, tag))
    return made if len(made) > 1 else []
