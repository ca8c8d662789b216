"""Sources that disagree on a figure: the newest statement leads the answer and the answer says its date."""

import json
from datetime import date

import pytest

from assistant.config import Settings
from assistant.conflicts import differ_in_figures
from assistant.runtime import Runtime
from tests.conftest import SAMPLE

FIRST_REPORT = {
    "id": "velden-flood-day1",
    "date": "2022-11-20",
    "title": "Flood hits Velden",
    "text": "Flood hits Velden\n\nThe flood in the Velden valley killed 12 people, regional officials said. "
    "Rescue teams from three provinces searched the riverbanks through the night. "
    "Schools in the valley stayed closed.",
}
LATER_REPORT = {
    "id": "velden-flood-day4",
    "date": "2022-11-23",
    "title": "Velden flood toll rises",
    "text": "Velden flood toll rises\n\nThe flood in the Velden valley killed 31 people, regional officials said. "
    "Volunteers handed out drinking water in the old town. The railway line to the coast reopened on Wednesday.",
}
QUESTION = "How many people did the flood in the Velden valley kill?"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("newest")
    feed = folder / "velden.jsonl"
    feed.write_text("".join(json.dumps(a) + "\n" for a in (LATER_REPORT, FIRST_REPORT)), encoding="utf-8")
    with Runtime(Settings(store_path=folder / "store"), embedder=embedder) as opened:
        opened.ingest([SAMPLE, feed])
        yield opened


def test_the_newest_figure_leads_and_the_answer_says_when(runtime):
    answer = runtime.assistant.answer(QUESTION)
    lead = answer.citations[0]
    assert (lead.article_id, str(lead.published)) == ("velden-flood-day4", "2022-11-23")
    assert "killed 31 people" in lead.quote
    assert "killed 12 people" not in answer.text
    assert answer.text.startswith("Reports differ; the newest, from 2022-11-23")
    assert "2022-11-20" in answer.text


def test_as_of_before_the_update_gives_the_first_figure_without_a_conflict(runtime):
    answer = runtime.assistant.answer(QUESTION, as_of=date(2022, 11, 21))
    assert answer.citations[0].article_id == "velden-flood-day1"
    assert "killed 12 people" in answer.citations[0].quote
    assert "Reports differ" not in answer.text and "killed 31 people" not in answer.text


@pytest.mark.parametrize(
    ("a", "b", "conflict"),
    [
        ("The strike closed 40 schools in Orrin.", "The strike closed 55 schools in Orrin.", True),
        ("Xi met Medvedev on Dec. 21 in Beijing.", "Xi met Medvedev in Beijing in 2022.", False),  # dates, not figures
        ("The strike closed 40 schools in Orrin.", "Orrin's mayor has 3 deputies and a new car.", False),
        ("The strike closed 40 schools in Orrin.", "The strike closed 40 schools in Orrin, the union said.", False),
    ],
)
def test_what_counts_as_a_disagreement(a, b, conflict):
    assert differ_in_figures(a, b) is conflict
