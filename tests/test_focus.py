"""The focus check on its own: which of a question's words count as met, and the word vectors it keeps."""

import assistant.focus as focus
from assistant.focus import FocusCheck
from assistant.question import profile

EVIDENCE = "Xi told Medvedev that China wants talks. Both sides discussed supplying grain to the region."


def test_a_promise_nobody_made_is_unmet_and_a_near_word_is_met(embedder):
    check = FocusCheck(embedder, 0.5)
    assert check.unmet(profile("What did Xi promise Medvedev?"), EVIDENCE) == ["promise"]
    assert check.unmet(profile("Who accused the suppliers of grain?"), EVIDENCE) == ["accused"]
    assert check.unmet(profile("What did Xi tell Medvedev about talks?"), EVIDENCE) == []


def test_the_word_after_which_names_the_answer_sort_and_is_not_required(embedder):
    assert FocusCheck(embedder, 0.5).unmet(profile("Which country wants talks?"), EVIDENCE) == []


def test_one_word_of_a_long_quiz_question_that_no_passage_repeats_does_not_refuse_it(embedder, monkeypatch):
    """ "famous" is 1 of 7 words here: an aside, not what the question turns on ("promise" is 1 of 1 above)."""
    asked = profile(
        "In a famous speech, Xi told Medvedev that which country wants talks on supplying grain to the region?"
    )
    assert FocusCheck(embedder, 0.5).unmet(asked, EVIDENCE) == []
    monkeypatch.setattr(focus, "MIN_UNMET_SHARE", 0.0)
    assert FocusCheck(embedder, 0.5).unmet(asked, EVIDENCE) == ["famou"]
