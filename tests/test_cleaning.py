from index.cleaning import clean_text, is_boilerplate


def test_boilerplate_lines_go():
    for line in [
        "- Advertisement -",
        "Also read: Xi meets Putin",
        "READ MORE",
        "Leave a Reply",
        "Share this article",
        "Tags: China, Russia",
        "Must read",
        "Study time: 3 minutes",
        "3.8 C",
        "Comments",
        "Your email address will not be published. Required fields are marked *",
    ]:
        assert is_boilerplate(line), line


def test_story_lines_that_look_like_boilerplate_stay():
    for line in [
        "Related talks were held in Beijing on Monday.",
        "Share prices fell 5% on Monday.",
        "Read more about the peace plan in the statement, the ministry said on its website today.",
    ]:
        assert not is_boilerplate(line), line


def test_clean_text_keeps_story_and_collapses_gaps():
    raw = "Headline here\n\n- Advertisement -\n\nXi spoke on Friday.\n\n\n\nAlso read: other\nHe left."
    assert clean_text(raw) == "Headline here\n\nXi spoke on Friday.\n\nHe left."


def test_the_headline_an_also_read_label_links_to_goes_with_it():
    raw = "Xi spoke on Friday.\n\nAlso read:\nZelensky in Lithuania: documents signed\nHe left.\n\nMust read\nXi came."
    assert clean_text(raw) == "Xi spoke on Friday.\n\nHe left.\n\nXi came."  # "Must read" links nothing: no colon
