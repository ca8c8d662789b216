"""How article text is shown on the page: literal, with its own line breaks, and the cited span highlighted."""

from datetime import date

from assistant.answer import Answer
from assistant.citations import Citation
from assistant.interfaces.render import source_card, sources_as_markdown
from index.store import Hit

TEXT = "Lantern festival ends\n\n# Not a heading\nIt drew 40,000 visitors. ![x](http://127.0.0.9:9/a.png) More."


def test_a_source_card_keeps_the_passage_lines_apart_and_marks_only_the_quote():
    start = TEXT.index("It drew")
    end = TEXT.index("visitors.") + len("visitors.")
    hit = Hit("c1", "a1", "Festival", "", date(2023, 1, 5), 100, 100 + len(TEXT), TEXT, 1.0)
    citation = Citation(1, "a1", "Festival", date(2023, 1, 5), "", 100 + start, 100 + end, TEXT[start:end])
    card = source_card(citation, [hit])
    quote = card.split("\n\n> ", 1)[1]
    assert quote.split("\n>\n> ") == [
        "Lantern festival ends",
        "\\# Not a heading",
        "<mark>It drew 40,000 visitors\\.</mark> \\!\\[x\\]\\(http\\://127\\.0\\.0\\.9\\:9/a\\.png\\) More\\.",
    ]
    assert card.count("<mark>") == 1


def test_a_closest_passage_is_cut_at_a_word_and_says_so():
    words = " ".join(f"word{n}" for n in range(100))
    hit = Hit("c1", "a1", "Long", "", None, 0, len(words), words, 1.0)
    shown = sources_as_markdown(Answer("Q?", "The articles don't say.", (), True, (hit,)))
    snippet = shown.split("\n\n> ", 1)[1]
    assert snippet.endswith(" …") and len(snippet) <= 300
    assert all(word.startswith("word") and word[4:].isdigit() for word in snippet[:-2].split())


def test_two_quotes_from_one_passage_share_one_card_under_sources():
    """Printed once per citation, the same passage stood twice under Sources."""
    first, second = "It drew 40,000 visitors.", "More."
    hit = Hit("c1", "a1", "Festival", "", None, 100, 100 + len(TEXT), TEXT, 1.0)
    cite = [
        Citation(n, "a1", "Festival", None, "", 100 + TEXT.index(q), 100 + TEXT.index(q) + len(q), q)
        for n, q in ((1, first), (2, second))
    ]
    shown = sources_as_markdown(Answer("Q?", "It drew 40,000 visitors. [1] More. [2]", tuple(cite), False, (hit,)))
    assert shown.count("Lantern festival ends") == 1 and shown.count("####") == 1
    assert shown.count("<mark>") == 2 and "#### \\[1\\] \\[2\\] Festival" in shown
    assert "<mark>It drew 40,000 visitors\\.</mark>" in shown and "<mark>More\\.</mark>" in shown
