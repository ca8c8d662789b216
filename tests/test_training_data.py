"""The reader's synthetic training questions (issue 26): a fact an article states twice becomes a question whose
positive is the *other* sentence stating it, whose negatives share its words without the fact (one as many as the
positive: overlap must not give the label away), and which never uses the sentence it was made from or an article
published after the H1 questions."""

from __future__ import annotations

import random
from datetime import date

from assistant.training.synthetic import synthetic_examples
from index.articles import Article

APPROVED = "The council of Eskerwyn approved the harbour tram line on Tuesday, at a cost of $300 million."
RESTATED = "The harbour tram line approved by the council of Eskerwyn will cost $300 million, officials said."
HARBOUR = Article(
    id="harbour",
    title="Harbour city approves tram line",
    published=date(2023, 3, 2),
    text=(
        f"{APPROVED}\n\n{RESTATED}\n\n"
        "The council of Eskerwyn also debated the cost of the harbour tram line on Tuesday and approved its route.\n\n"
        "Photo: Anna Li/Eskerwyn Post The council of Eskerwyn meets on Tuesday.\n\n"
        "Opponents in Eskerwyn said buses along the harbour would have been cheaper than a tram line."
    ),
)


def test_a_restated_figure_becomes_a_question_answered_by_the_other_sentence():
    made = list(synthetic_examples([HARBOUR], random.Random(0)))
    money = [e for e in made if "how much" in e.question]
    assert money, made
    question = money[0].question
    assert "$300 million" not in question and question.endswith("?")
    positives = [e.sentence for e in money if e.question == question and e.label == 1.0]
    negatives = [e.sentence for e in money if e.question == question and e.label == 0.0]
    assert len(positives) == 1 and "$300 million" in positives[0]
    made_from = question.replace("how much", "$300 million").rstrip("?")
    assert not positives[0].startswith(made_from)  # never the sentence the question was made from
    assert negatives and all("$300 million" not in s for s in negatives)
    assert "debated the cost" in negatives[0]  # as many shared words as the positive, and no amount
    assert all("Photo:" not in e.sentence and "/" not in e.sentence for e in made)  # captions are not examples


def test_articles_after_the_h1_questions_give_nothing():
    later = Article(HARBOUR.id, HARBOUR.title, HARBOUR.text, published=date(2023, 7, 1))
    assert list(synthetic_examples([later], random.Random(0))) == []


def test_a_question_whose_negatives_all_share_fewer_words_than_its_positive_is_left_out():
    """Otherwise "shares most words" would be the label, which is what the heuristics already score."""
    text = f"{APPROVED}\n\n{RESTATED}\n\nOpponents in Eskerwyn said buses would have been cheaper."
    easy = Article("easy", "Eskerwyn news", text, published=date(2023, 3, 2))
    assert [e for e in synthetic_examples([easy], random.Random(0)) if "how much" in e.question] == []
