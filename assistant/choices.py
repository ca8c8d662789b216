"""Multiple choice: pick the option the evidence supports best, and cite the sentence naming it.

Five signals, each scaled to the best option so none dominates by its units, summed with equal weights:
(1) passage support — every sentence of the retrieved passages that names the option, weighted by how many of the
question's words it shares and by its passage's rank; (2) closeness in meaning of "question + option" to the best
answer sentences; (3) and (4) option-conditioned retrieval — BM25 for "question + option" (same as_of): how much
of the option its top passages hold, and its best raw score. (3) and (4) find evidence the question alone did not
retrieve; (5) how close in meaning to the question the sentences naming the option are (in the question's passages
and the option's own). On RealTimeQA H1 (760 questions, full 2023 corpus) `newsdesk eval` went from 56.6 % (the
earlier reader: sentence support, mentions, closeness) to 60.4 % with (1)–(4), and both halves gained (Jan–Mar
55.1 → 62.3, Apr–Jun 56.2 → 58.4 on the same recorded retrieval); (5) took it from 61.2 to 61.7 (+2 in each half).
See docs/quality.md.

"All of these … except" questions take the least-backed option (16 such questions in H1: 3 right → 8).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

from assistant.answer import ExtractiveAnswerer, asked_of
from assistant.candidates import Candidate
from assistant.question import asks_for_exception, content_terms, normalise, option_role
from assistant.reader import Reader
from assistant.retrieval import Retriever
from index.chunking import sentence_spans
from index.store import Hit

_SENTENCES_COMPARED = 16
_RANK_DECAY = 0.3  # a sentence in the passage ranked r counts 1 / (1 + 0.3 r)
_OPTION_PASSAGES = 5  # BM25 passages read per option
_NAMING_COMPARED = 6  # naming sentences embedded per option, the most question words first
# What the reader's multiple-choice input says of a sentence's age against the question's day: the quiz asks about
# the week's news, and an older sentence naming a wrong option was the commonest miss (docs/quality.md). Part of the
# trained reader's input format: changing these means running `make reader` again.
_AGES = ((8, "This week:"), (32, "Weeks earlier:"), (366, "Months earlier:"))
_OLDER = "Years earlier:"


@dataclass(frozen=True)
class Choice:
    index: int
    score: float
    support: Candidate | None  # the best answer sentence naming the chosen option, if any does
    evidence: tuple[Hit, ...] = ()  # the question's passages fused with each option's own, as many as `hits`
    signals: tuple[tuple[float, ...], ...] = ()  # per signal, each option's raw value: what bench/replay.py replays

    def to_dict(self, choices: Sequence[str]) -> dict:
        """The JSON of `ask --json --choice` and of /api/ask with `choices`: the option and its citation, if any."""
        cited = self.support
        return {
            "index": self.index,
            "option": choices[self.index],
            "citation": None
            if cited is None
            else {
                "article_id": cited.hit.article_id,
                "title": cited.hit.title,
                "date": cited.hit.published.isoformat() if cited.hit.published else None,
                "start": cited.start,
                "end": cited.end,
                "quote": cited.text,
            },
        }


def answer_choices(
    answerer: ExtractiveAnswerer,
    retriever: Retriever,
    question: str,
    choices: Sequence[str],
    hits: Sequence[Hit],
    as_of: date | None = None,
) -> Choice:
    """`hits` in rank order (all are read); the answer sentences come from the first `retriever.top_k`."""
    answering = hits[: retriever.top_k]
    candidates = answerer.score(asked_of(question, " ".join(h.text for h in answering)), answering)
    asked = content_terms(question)
    sentences = _sentence_terms(hits)
    support, conditioned, best_scores = [], [], []
    read: list[list[Hit]] = []  # per option, its own BM25 passages: where its citation is sought when needed
    for option in choices:
        words = _option_words(option)
        terms = (words - asked) or words
        support.append(sum(_coverage(terms, bag) * _share(asked, bag) / (1 + _RANK_DECAY * r) for r, bag in sentences))
        found = retriever.lexical_hits(f"{question} {option}", _OPTION_PASSAGES, as_of)
        read.append(found)
        conditioned.append(
            sum(_coverage(terms, content_terms(f"{h.title} {h.text}")) / (r + 1) for r, h in enumerate(found))
        )
        best_scores.append(found[0].score if found else 0.0)
    named = naming_evidence(choices, asked, [[*hits, *found] for found in read])
    signals = [
        support,
        _closeness(answerer, question, choices, candidates),
        conditioned,
        best_scores,
        _naming_closeness(answerer, question, choices, named),
    ]
    weights = [1.0] * len(signals)
    reading = answerer.reading
    if reading is not None and reading.option_weight > 0:
        signals.append(_verified(reading.reader, question, choices, named, as_of))
        weights.append(reading.option_weight)
    scaled = [[w * v for v in _scaled(s)] for w, s in zip(weights, signals, strict=True)]
    totals = [sum(values) for values in zip(*scaled, strict=True)]
    kept = tuple(tuple(s) for s in signals)
    evidence = tuple(retriever.merge([hits, *read], len(hits)))
    roles = [option_role(option) for option in choices]
    own = [i for i, role in enumerate(roles) if role == "own"] or list(range(len(choices)))
    if asks_for_exception(question):  # the least-backed option; no sentence can cite an absence
        best = min(own, key=lambda i: totals[i])
        return Choice(best, totals[best], None, evidence, kept)
    if "all" in roles and len(own) > 1:  # "All of the above" is right when one sentence names every other option
        listing = _naming_in(" ".join(choices[i] for i in own), asked, [*hits, *(h for found in read for h in found)])
        if listing is not None and listing.score > 0:
            return Choice(roles.index("all"), max(totals), listing, evidence, kept)
    best = max(own, key=lambda i: totals[i])  # "All/None of the above" hold no words to find: never chosen on them
    cited = _naming(choices[best], candidates) or _naming_in(choices[best], asked, [*hits, *read[best]])
    return Choice(best, totals[best], cited, evidence, kept)


def _sentence_terms(hits: Sequence[Hit]) -> list[tuple[int, set[str]]]:
    return [(rank, content_terms(h.text[s:e])) for rank, h in enumerate(hits) for s, e in sentence_spans(h.text)]


def _coverage(terms: set[str], bag: set[str]) -> float:
    return sum(term in bag for term in terms) / len(terms)


def _share(asked: set[str], bag: set[str]) -> float:
    return len(asked & bag) / max(1, len(asked))


def _naming(option: str, candidates: Sequence[Candidate]) -> Candidate | None:
    """The citation: the best-scored answer sentence that names every word of the option."""
    terms = _option_words(option)
    return max((c for c in candidates if terms <= content_terms(c.text)), key=lambda c: c.score, default=None)


def _naming_in(option: str, asked: set[str], passages: Sequence[Hit]) -> Candidate | None:
    """When no answer sentence names the option: the passage sentence naming it that shares most with the question.

    Only a sentence naming every word of the option is a citation for it; without one the answer stays the extractive
    answer, so the chosen option is never shown as cited by a sentence that does not say it.
    """
    best: tuple[float, Candidate | None] = (-1.0, None)
    for hit, start, end, bag in _naming_sentences(_option_words(option), passages):
        shared = _share(asked, bag)
        if shared > best[0]:
            best = (shared, Candidate(hit, hit.start + start, hit.start + end, hit.text[start:end], shared))
    return best[1]


def _naming_sentences(terms: set[str], passages: Sequence[Hit]) -> Iterator[tuple[Hit, int, int, set[str]]]:
    """(passage, start, end in it, content terms) of every sentence naming all of `terms`."""
    for hit in passages:
        for start, end in sentence_spans(hit.text):
            bag = content_terms(hit.text[start:end])
            if terms <= bag:
                yield hit, start, end, bag


def _option_words(option: str) -> set[str]:
    return content_terms(option) or {normalise(option)}


def _closeness(
    answerer: ExtractiveAnswerer, question: str, choices: Sequence[str], candidates: Sequence[Candidate]
) -> list[float]:
    if not candidates:
        return [0.0] * len(choices)
    vectors = answerer.embedder.embed_sentences(
        [f"{question} {option}" for option in choices] + [c.text for c in candidates[:_SENTENCES_COMPARED]]
    )
    options, sentences = vectors[: len(choices)], vectors[len(choices) :]
    return [max(sum(a * b for a, b in zip(o, s, strict=True)) for s in sentences) for o in options]


def _naming_closeness(
    answerer: ExtractiveAnswerer, question: str, choices: Sequence[str], named: list[list[tuple[Hit, str]]]
) -> list[float]:
    """How close in meaning to the question the sentences naming each option are (its best one): a sentence that
    names the option *and* says what the question asks about, where (1) only counts shared words."""
    texts = [t for group in named for _, t in group]
    if not texts:
        return [0.0] * len(choices)
    vectors = answerer.embedder.embed_sentences([question, *texts])
    asked_vector, rest = vectors[0], iter(vectors[1:])
    closeness = []
    for group in named:
        scores = [sum(a * b for a, b in zip(asked_vector, next(rest), strict=True)) for _ in group]
        closeness.append(max(scores, default=0.0))
    return closeness


def naming_evidence(choices: Sequence[str], asked: set[str], passages: list[list[Hit]]) -> list[list[tuple[Hit, str]]]:
    """Per option, (passage, sentence) for the sentences of its passages naming it, those sharing most words with the
    question first (a sentence two passages hold counts once, from the first)."""
    named = []
    for option, read in zip(choices, passages, strict=True):
        found: dict[str, tuple[float, Hit]] = {}
        for hit, start, end, bag in _naming_sentences(_option_words(option), read):
            found.setdefault(hit.text[start:end], (_share(asked, bag), hit))
        ranked = sorted(found, key=lambda text: found[text][0], reverse=True)[:_NAMING_COMPARED]
        named.append([(found[text][1], text) for text in ranked])
    return named


def claim(question: str, option: str) -> str:
    """The reader's multiple-choice question: the question with the option read as its answer."""
    return f"{question} {option}"


def dated(sentence: str, published: date | None, as_of: date | None) -> str:
    """The sentence as the reader reads it for a multiple-choice question: after how old it is on the question's
    day, when both days are known (a question without a day reads sentences bare, as training sometimes shows it)."""
    if published is None or as_of is None:
        return sentence
    days = (as_of - published).days
    age = next((words for bound, words in _AGES if days < bound), _OLDER)
    return f"{age} {sentence}"


def _verified(
    reader: Reader, question: str, choices: Sequence[str], named: list[list[tuple[Hit, str]]], as_of: date | None
) -> list[float]:
    """The trained reader's best probability, over the sentences naming each option, that one answers the question
    with that option: it reads question, option and sentence together, where the other signals count words or
    compare embeddings made apart."""
    pairs = [
        (number, (claim(question, option), dated(text, hit.published, as_of)))
        for number, (option, group) in enumerate(zip(choices, named, strict=True))
        for hit, text in group
    ]
    found = [0.0] * len(choices)
    for (number, _), probability in zip(pairs, reader.pair_scores([pair for _, pair in pairs]), strict=True):
        found[number] = max(found[number], probability)
    return found


def _scaled(values: Sequence[float]) -> list[float]:
    top = max(values, default=0.0)
    return [v / top if top > 0 else 0.0 for v in values]
