"""What a question asks for: its content terms, its named things, and the kind of answer it wants."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache

from assistant.spelling import respelled
from index.chunking import sentence_spans
from index.english import glued_parts, snowball
from index.english import stopwords as english_stopwords

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-.]*[A-Za-z0-9]|[A-Za-z0-9]")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"'})
_NAME = re.compile(r"(?:[A-Z][\w’'\-.]*|[A-Z]{2,})(?:\s+(?:of\s+|the\s+)?[A-Z][\w’'\-.]*)*")
_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DAYS = "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
# A year is no count ("in 1925", "the 2023 election", "since 2014 has"), but "1925 visitors" is (a plural follows).
_YEAR_NOT_COUNT = (
    r"\b(?:19|20)\d\d\b(?!\s+(?-i:(?!(?:is|was|has|does|this|its|as|us|his|hers|thus|plus|less|across|always)\b)"
    r"[a-z]+s|people|men|women|children)\b)"
)
_DATE = re.compile(
    rf"\b(?:{_MONTHS}|{_DAYS}|yesterday|today|tonight|tomorrow|(?:last|next|this|coming) (?:week|month|year|weekend)"
    r"|(?:spring|summer|autumn|winter)|(?:earlier|later) this \w+|\d+ (?:days?|weeks?|months?|years?) ago)\b"
    r"|\b(?:19|20)\d\d\b",
    re.I,
)
_MONTH_ABBR = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
# Dates are when a thing happened, not how many: "on Jan. 5" and "in 2023" are no figures (nor counts).
_CALENDAR = re.compile(rf"\b{_MONTH_ABBR}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTH_ABBR}|{_YEAR_NOT_COUNT}", re.I)
_FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?")
_COUNT_WORDS = re.compile(
    r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|dozens?|hundreds?|thousands?|millions?"
    r"|billions?|trillions?|half|double|twice)\b",
    re.I,
)
_PLACE = re.compile(r"\b(?:in|at|from|near|to|inside|outside|across)\s+(?:the\s+)?([A-Z][\w’'\-]*)")
_SPEECH = re.compile(
    r"\b(?:said|says|told|tells|stated|stressed|added|noted|announced|warned|claimed|wrote|emphasi[sz]ed|insisted"
    r"|argued|explained|declared|urged|tweeted|posted)\b|[“\"][^”\"]{12,}[”\"]",
    re.I,
)
_ASKS_SPEECH = re.compile(
    r"what (?:did|does|do|has|have|had|will|would) .+\b(?:say|tell|state|stress|announce|claim|write|add|note|warn"
    r"|argue|emphasi[sz]e|declare|urge|promise|insist|explain|tweet|post)\b"
    # "How did Medvedev describe the talks?" asks for his words too
    r"|how (?:did|does|do|has|have|had|will|would) .+\b(?:describe|characteri[sz]e|call|assess|view)\b",
    re.I,
)
# "the title of the new Banksy exhibition" names a work, not a person's title.
_ASKS_ROLE = re.compile(
    r"what (?:is |was )?(?:the |his |her |their )?(?:position|post|title(?!\s+of\b)|job|office)\b", re.I
)
_TITLE = re.compile(
    r"\b(?:president|chairman|chairwoman|chair|minister|secretary|spokes(?:man|woman|person)|representative"
    r"|ambassador|chancellor|envoy|director|chief|head|leader|governor|mayor|senator|commander|ceo|founder"
    r"|deputy|adviser|advisor|premier|judge|editor|coach|captain|member)\b",
    re.I,
)
_ALL_OPTIONS = re.compile(r"(?:all|both) of (?:the above|these|them|the (?:above|preceding) options)|both", re.I)
_NO_OPTION = re.compile(r"(?:none|neither) of (?:the above|these|them|the (?:above|preceding) options)|neither", re.I)
_EXCEPTION = re.compile(
    r"\bexcept\b|\bwhich (?:one )?of (?:these|the following)\b.*(?:\bnot\b|n[’']t\b|\bnever\b)", re.I
)


@cache
def stopwords() -> frozenset[str]:
    """NLTK's English list, plus question scaffolding."""
    extra = {
        "tell",
        "told",
        "say",
        "said",
        "says",
        "according",
        "also",
        "would",
        "could",
        "one",
        "new",
        "week",
        "whose",
        "many",
        "much",
    }
    return english_stopwords() | extra


@lru_cache(maxsize=1 << 16)  # called for every word of every sentence read: ~15,000 a question, most of them repeats
def normalise(word: str) -> str:
    """A light stem: case, curly quotes, possessives and plural -s folded so "China's" meets "China"."""
    word = word.translate(_QUOTES).lower().rstrip(".")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def content_terms(text: str) -> set[str]:
    return {normalise(w) for w in _WORD.findall(text) if not is_stopword(w)}


def passage_terms(text: str) -> set[str]:
    """`content_terms` of article text, plus the parts of glued words: a page scraped as "… President Joe BidenXi
    Jinping said …" is about Biden and Xi. Only the article side is split; a question's "TikTok" stays one term."""
    return content_terms(text) | content_terms(" ".join(glued_parts(text)))


def topic_terms(text: str) -> set[str]:
    """Passage terms down to Snowball's stems, for how much of a question a sentence is about: the question's "did
    the EU suspend" meets an article's "suspended". Names and options are matched on `content_terms`, where "Bills"
    must not meet "bill"."""
    return stems(passage_terms(text))


def stems(terms: set[str] | frozenset[str]) -> set[str]:
    stem = snowball().stemWord
    return {stem(term) for term in terms}


@lru_cache(maxsize=1 << 16)
def is_stopword(word: str) -> bool:
    return word.translate(_QUOTES).lower() in stopwords() or normalise(word) in stopwords()


@dataclass(frozen=True)
class QuestionProfile:
    text: str
    terms: frozenset[str]
    names: tuple[str, ...]
    wants: str  # person | date | number | place | speech | role | name | other
    spellings: tuple[tuple[str, str], ...] = ()  # (the passages' spelling, the question's) of its names

    def as_asked(self, text: str) -> str:
        """Passage text with the question's names spelled the question's way: what scoring reads, never what is
        quoted."""
        return respelled(text, self._spelled)

    @cached_property
    def _spelled(self) -> dict[str, str]:
        return dict(self.spellings)

    @cached_property
    def topics(self) -> frozenset[str]:
        """The question's terms as `topic_terms` stems them, from the terms already found."""
        return frozenset(stems(self.terms))

    @cached_property
    def measure(self) -> re.Pattern[str] | None:
        """The sort of figure "how old / long / far / much" wants, found once per question, not per sentence."""
        return _measure(self.text)

    @cached_property
    def own_dates(self) -> frozenset[str]:
        """The times the question itself gives: an answer to "when" names another. Once per question."""
        return _dates(self.text)

    @cached_property
    def own_figures(self) -> frozenset[str]:
        """The figures the question itself states, of the sort it asks for (a count, or an age / length / amount):
        an answer to "how many" states another. Once per question, not per sentence."""
        return _counts(self.text) if self.measure is None else _found_all(self.measure, self.text)

    @cached_property
    def focus(self) -> tuple[tuple[str, str], ...]:
        """The asked sentence's words the answer turns on, each with its stem. Not its names (`names_missing` checks
        those), nor the word after "what / which / how many" ("What gift", "In which cities"): that names the sort
        of answer, which the passages rarely call by that word."""
        asked = _asked_sentence(self.text)
        head = _WH_HEAD.search(asked)
        skipped = {normalise(w) for name in self.names for w in _WORD.findall(name)}
        skipped |= {normalise(head.group(1))} if head else set()
        stem = snowball().stemWord
        return tuple(sorted((term, stem(term)) for term in content_terms(asked) - skipped))

    @cached_property
    def known(self) -> frozenset[str]:
        """Every word the question already holds: an answer names something else. Once per question, not per
        sentence checked."""
        return frozenset({normalise(w) for name in self.names for w in name.split()} | self.terms)


def profile(question: str) -> QuestionProfile:
    return QuestionProfile(
        question, frozenset(content_terms(question)), tuple(named_things(question)), answer_kind(question)
    )


def named_things(question: str) -> list[str]:
    """Capitalised runs after the first word (which is capitalised for grammar's sake), and numbers."""
    body = question.strip()
    first = re.match(r"\S+\s*", body)
    rest_at = first.end() if first else 0
    names = [m.group() for m in _NAME.finditer(body, rest_at)]
    if first and first.group().strip() and first.group().strip()[0].isupper():
        head = first.group().strip()
        if normalise(head) not in stopwords() and head.lower() not in _WH:
            names.insert(0, head)
    names = [n.strip(" ?.,") for n in names]
    return [n for n in names if any(not is_stopword(w) for w in _WORD.findall(n))]


_WH = {
    "who",
    "whom",
    "whose",
    "what",
    "which",
    "when",
    "where",
    "why",
    "how",
    "did",
    "does",
    "do",
    "is",
    "are",
    "was",
}


# "Where", "in which city", "which European country", "which major U.S. city": a place ("in Beijing").
_ASKS_PLACE = re.compile(
    r"where\b|(?:(?:in|to|from) )?(?:what|which) (?:[\w.’'-]+ ){0,2}"
    r"(?:city|cities|country|countries|states?|towns?|nations?|capital|region|province|county|island|place)\b"
)
# "Who is Dmytro Kuleba?" asks what he is (a post), not for a name; "Who is the foreign minister?" asks for a name.
_ASKS_WHO_SOMEONE_IS = re.compile(r"[Ww]ho (?:is|was) (?:[A-Z][\w’'\-.]*\s*)+\?*")
_WH_HEAD = re.compile(r"\b(?:what|which|whose|how many|how much)\s+([A-Za-z][\w'’-]*)", re.I)
_WH_WORD = re.compile(r"\b(?:who|whom|whose|when|where|which|what|how)\b", re.I)


def _asked_part(question: str) -> str:
    """The asked sentence from its first question word on: quiz questions set the scene first and ask late ("The
    Spurs won the lottery. Who did they pick last time?", "… raised its rate by how much?")."""
    asked = _asked_sentence(question)
    found = _WH_WORD.search(asked)
    return asked[found.start() :] if found else asked


def _asked_sentence(question: str) -> str:
    """The last sentence ending in "?" (else the last): a chat may add a request after the question ("Who invited
    Xi? Quote the article.")."""
    parts = [question[start:end] for start, end in sentence_spans(question)] or [question]
    return next((part for part in reversed(parts) if part.rstrip().endswith("?")), parts[-1])


def answer_kind(question: str) -> str:
    asked = _asked_part(question)
    lower = asked.lower()
    if _ASKS_WHO_SOMEONE_IS.fullmatch(asked.strip()):
        return "role"
    if re.match(r"(who|whom|whose)\b", lower):
        return "person"
    if re.match(r"when\b|(what|which) (day|date|year|month|time)\b|in what year\b", lower):
        return "date"
    if re.match(
        r"how (many|much|old|long|far)\b|(what|which) (number|percentage|percent|share|proportion|amount)\b", lower
    ) or _ASKS_COST.match(lower):
        return "number"
    if _ASKS_PLACE.match(lower):
        return "place"
    if _ASKS_SPEECH.match(lower):
        return "speech"
    if _ASKS_ROLE.match(lower):
        return "role"
    if lower.startswith("which"):  # "Which company …", "Which of these teams …": a named thing
        return "name"
    return "other"


def has_kind(sentence: str, kind: str, question: QuestionProfile) -> bool:
    """Whether a sentence holds the kind of thing asked for, other than what the question already names."""
    if kind == "date":
        return bool(_dates(sentence) - question.own_dates)
    if kind == "number":
        measure = question.measure
        found = _counts(sentence) if measure is None else _found_all(measure, sentence)
        return bool(found - question.own_figures)
    if kind == "speech":  # a quotation or a verb of saying: what was said, not only who met whom
        return bool(_SPEECH.search(sentence))
    if kind == "role":
        return bool(_TITLE.search(sentence))
    known = question.known
    if kind == "place":  # a name after "in", "at", "from"…: "in Beijing", not any capitalised word
        return any(normalise(m.group(1)) not in known for m in _PLACE.finditer(sentence))
    if kind in ("person", "name"):
        return _names_something_new(sentence, known)
    return False


GATED_KINDS = ("date", "number")


def holds_answer(sentence: str, question: QuestionProfile) -> bool:
    """Whether a sentence can answer at all: "when" wants a time the question does not give, "how many" a figure.
    A sentence on the subject without one ("… the phone call between Wang Yi and Kuleba …" for "How long did the
    call last?") is on topic but answers nothing, however well it scores."""
    return question.wants not in GATED_KINDS or has_kind(sentence, question.wants, question)


def figures(sentence: str) -> frozenset[str]:
    """The numbers a sentence states, dates left out."""
    return frozenset(f.replace(",", "") for f in _FIGURE.findall(_CALENDAR.sub(" ", sentence)))


def _counts(sentence: str) -> frozenset[str]:
    """Figures and number words ("two", "millions"): what a "how many / how much" answer holds."""
    return figures(sentence) | {w.lower() for w in _COUNT_WORDS.findall(sentence)}


_AMOUNT = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|a|an|half an?|several|a few)"
# "How old / long / far / much" wants a figure of its own sort: "the two countries" tells no age, "March 1" no length.
_MEASURES = {
    "old": re.compile(rf"\b{_AMOUNT}[- ]years?[- ]old\b|\baged \d+|,\s\d{{1,3}},", re.I),
    "long": re.compile(
        rf"\b{_AMOUNT}[- ](?:seconds?|minutes?|hours?|days?|weeks?|months?|years?|decades?|centur(?:y|ies)"
        r"|km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|feet|foot)\b|\b(?:hour|day|week|month|year)-long\b",
        re.I,
    ),
    "far": re.compile(rf"\b{_AMOUNT}[- ](?:km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|feet|foot|yards?)\b", re.I),
    "much": re.compile(
        r"[$€£¥]\s?\d|\d\s?%|\b\d[\d,.]*\s?(?:[a-z]*illion|bn|m|k)\b|\b(?:[a-z]*illions?|percent|per cent"
        r"|dollars?|euros?|pounds?|yuan|rubles?|roubles?|yen|rupees?|tons?|tonnes?|barrels?|half|double|twice)\b",
        re.I,
    ),
}
_HOW = re.compile(r"\bhow (old|long|far|much)\b", re.I)
# "What will the new tram line cost?" asks how much, as "How much will it cost?" does.
_ASKS_COST = re.compile(r"what (?:will|would|does|did|do|is|was|could|might) .+\bcost\W*$", re.I)


def _measure(question: str) -> re.Pattern[str] | None:
    asked = _asked_part(question)
    if _ASKS_COST.match(asked.strip()):
        return _MEASURES["much"]
    found = _HOW.search(asked)
    return _MEASURES[found.group(1).lower()] if found else None


def _dates(sentence: str) -> frozenset[str]:
    return _found_all(_DATE, sentence)


def _found_all(pattern: re.Pattern[str], text: str) -> frozenset[str]:
    return frozenset(m.group().lower() for m in pattern.finditer(text))


def _names_something_new(sentence: str, known: frozenset[str]) -> bool:
    """A capitalised run with a word the question does not hold, not a month or a weekday; a lone first word is
    capitalised for grammar."""
    opening = len(sentence) - len(sentence.lstrip())
    for found in _NAME.finditer(sentence):
        words = found.group().split()
        if found.start() == opening and len(words) == 1:
            continue
        if any(normalise(w) not in known and not is_stopword(w) and not _DATE.fullmatch(w.rstrip(".")) for w in words):
            return True
    return False


def names_missing(question: QuestionProfile, evidence: str) -> bool:
    """Whether the evidence lacks what the question names: under half of their words on average, or under half of a
    name the question is sure of (not a lone word opening one of its sentences, which may be capitalised only for
    grammar: "Around what share …", "True or false: …"). "What did Zhang Jun say about Taiwan?" over passages that
    never mention Taiwan is not answered by what Zhang Jun said."""
    if not question.names:
        return False
    shares = _name_shares(question, evidence)
    if sum(shares.values()) / len(shares) < 0.5:
        return True
    return any(share < 0.5 for name, share in shares.items() if not _opens_a_sentence(name, question.text))


def _name_shares(question: QuestionProfile, evidence: str) -> dict[str, float]:
    terms = passage_terms(question.as_asked(evidence))
    shares = {}
    for name in question.names:
        words = [normalise(w) for w in _WORD.findall(name) if not is_stopword(w)]
        shares[name] = sum(_found(w, terms) for w in words) / len(words)
    return shares


def _opens_a_sentence(name: str, text: str) -> bool:
    return " " not in name and re.search(rf"(?:^|[.?!:;]\s+)[\"“‘']?{re.escape(name)}\b", text.strip()) is not None


def _found(word: str, terms: set[str]) -> bool:
    """A hyphenated name is found whole or by its parts: "the Xi-Medvedev meeting" is about Xi and Medvedev."""
    parts = [normalise(p) for p in word.split("-") if p]
    return word in terms or (len(parts) > 1 and all(p in terms for p in parts))


def asks_for_exception(question: str) -> bool:
    """ "All of these … except:", "Which of these was not …?": the answer is the option the evidence does not back.

    Only list-style negations count; "Which slogan were MPs told not to use?" asks for a backed option like any other.
    """
    return _EXCEPTION.search(question) is not None


def option_role(option: str) -> str:
    """ "all" for "All of the above" / "Both", "none" for "None of the above", else "own": an option about the others.

    Such options hold no words of their own to find in a passage; whether they are right depends on the other options.
    """
    text = option.strip(" .!\"'“”")
    if _ALL_OPTIONS.fullmatch(text):
        return "all"
    if _NO_OPTION.fullmatch(text):
        return "none"
    return "own"


MAX_CHOICES = 26
MAX_OPTION_CHARS = 500


def normalized_choices(choices: Sequence[str]) -> list[str]:
    """The options with their whitespace collapsed, or a ValueError saying what is wrong with them."""
    options = [" ".join(option.split()) for option in choices]
    if not 2 <= len(options) <= MAX_CHOICES:
        raise ValueError(f"give between 2 and {MAX_CHOICES} options to choose from, not {len(options)}")
    if not all(options):
        raise ValueError("an option is empty: every option needs some text")
    if max(map(len, options)) > MAX_OPTION_CHARS:
        raise ValueError(f"an option is longer than {MAX_OPTION_CHARS} characters")
    return options
