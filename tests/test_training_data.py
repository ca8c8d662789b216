"""The reader's synthetic training questions (issue 26): a fact an article states twice becomes a question whose
positive is the *other* sentence stating it, whose negatives share its words without the fact (one as many as the
positive: overlap must not give the label away), and which never uses the sentence it was made from or an article
published after the H1 questions."""

from __future__ import annotations

import random
from datetime import date

from assistant.choices import dated
from assistant.evaluation.questions import EvalQuestion
from assistant.training.examples import option_examples
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


def test_multiple_choice_pairs_read_the_option_with_the_question_and_label_the_sentences_naming_it(sample_runtime):
    """A sentence naming the right option and sharing the question's words is a positive for "question + right
    option"; one naming a wrong option is a negative for that option's claim, as the reader will read them."""
    question = EvalQuestion(
        "20230322_9",
        "Which Russian official did Xi Jinping meet in Beijing?",
        "realtimeqa",
        "multiple-choice",
        choices=("Dmitry Medvedev", "Vladimir Putin"),
        answer_index=0,
    )
    made = option_examples(sample_runtime.assistant.retriever, question, None, random.Random(0))
    positives = [e for e in made if e.label == 1.0]
    negatives = [e for e in made if e.label == 0.0]
    assert positives and all(e.question.endswith("Beijing? Dmitry Medvedev") for e in positives)
    assert any(
        "meeting with the Deputy Chairman of the Russian Security Council Dmitry" in e.sentence for e in positives
    )
    assert negatives and all(e.question.endswith("? Vladimir Putin") and "Putin" in e.sentence for e in negatives)
    assert {e.source for e in made} == {"20230322_9#choices"}


def test_a_sentence_is_read_after_its_age_on_the_questions_day():
    assert dated("Talks began.", date(2023, 3, 20), date(2023, 3, 22)) == "This week: Talks began."
    assert dated("Talks began.", date(2023, 2, 1), date(2023, 3, 22)).startswith("Months earlier:")
    assert dated("Talks began.", date(2021, 2, 1), date(2023, 3, 22)).startswith("Years earlier:")
    assert dated("Talks began.", None, date(2023, 3, 22)) == "Talks began."


def test_a_synthetic_question_is_also_asked_as_multiple_choice_with_the_articles_other_names_as_wrong_options():
    text = (
        "Lena Ortiz opened the harbour tram line in Eskerwyn on Tuesday, the council said.\n\n"
        "The harbour tram line in Eskerwyn was opened on Tuesday by Lena Ortiz, who leads the council.\n\n"
        "Tom Brand, who opposed the harbour tram line in Eskerwyn, said on Tuesday it cost too much.\n\n"
        "Buses along the harbour in Eskerwyn would have been cheaper, Tom Brand said on Tuesday."
    )
    tram = Article("tram", "Eskerwyn opens tram line", text, published=date(2023, 3, 2))
    made = list(synthetic_examples([tram], random.Random(0)))
    choices = [e for e in made if e.source.endswith("#choices") and "it cost too much?" in e.question]
    assert {(e.question.rsplit("? ", 1)[1], e.label) for e in choices} == {("Tom Brand", 1.0), ("Lena Ortiz", 0.0)}
    wrong = next(e for e in choices if e.label == 0.0)
    assert wrong.sentence.startswith("Lena Ortiz opened")  # a sentence that does name the wrong option
    right = next(e for e in choices if e.label == 1.0)
    assert right.sentence.startswith("Buses along the harbour")  # never the sentence the question was made from
