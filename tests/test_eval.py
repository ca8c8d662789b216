"""`newsdesk eval`: predictions in the shared schema, metrics equal to the reference scorer, resume, the report."""

import gzip
import json
import subprocess
import sys

import pytest

from assistant.evaluation.metrics import summarise
from assistant.evaluation.questions import load_questions
from tests.conftest import PROJECT, REALTIMEQA, SAMPLE, SHARED, run_cli

QUESTIONS = PROJECT / "tests" / "data" / "questions-sample.jsonl"
SCORER = SHARED / "eval" / "score.py"
BASELINE = SHARED / "eval" / "baselines" / "bm25-H1.pred.jsonl.gz"
H1 = REALTIMEQA / "questions-2023H1.jsonl"
PREDICTION_KEYS = {"id", "answer", "abstained", "citations", "retrieved", "latency_ms"}


def reference_metrics(predictions, gold, tmp_path, *extra: str) -> dict:
    if not SCORER.exists():
        pytest.skip(f"the reference scorer {SCORER} is absent")
    out = tmp_path / "reference.json"
    subprocess.run(
        [sys.executable, str(SCORER), str(predictions), str(gold), "--json", str(out), *extra],
        check=True,
        capture_output=True,
    )
    return json.loads(out.read_text())


def assert_same_numbers(ours: dict, reference: dict) -> None:
    for kind, block in reference.items():
        for name, value in block.items():
            assert ours[kind][name] == pytest.approx(value), (kind, name)


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("eval")
    env = {"NEWSDESK_STORE_PATH": str(folder / "store")}
    done = run_cli("eval", str(QUESTIONS), "--corpus", str(SAMPLE), "--out", str(folder / "out"), env=env)
    return folder, done


def test_bad_question_lines_are_named_and_the_rest_is_answered(sample_run):
    folder, done = sample_run
    assert done.returncode == 3, done.stderr
    assert f"{QUESTIONS}:7: not valid JSON" in done.stderr
    assert f"{QUESTIONS}:8: missing field 'question'" in done.stderr
    predictions = [json.loads(line) for line in (folder / "out" / "predictions.jsonl").read_text().splitlines()]
    assert [p["id"] for p in predictions] == ["s1", "s2", "s3", "s4", "s5", "s6", "r1", "r2", "r3", "f1"]
    assert all(set(p) >= PREDICTION_KEYS for p in predictions)
    by_id = {p["id"]: p for p in predictions}
    assert by_id["s2"]["citations"][0]["doc_id"] == "002_407555052ac68120"
    assert "Zhang Jun" in by_id["s2"]["citations"][0]["text"]
    assert by_id["s5"]["abstained"] and by_id["s5"]["answer"] == ""
    assert by_id["r1"]["choice_index"] == 1 and by_id["r1"]["answer"] == "Zhang Jun"
    assert len(by_id["s1"]["retrieved"]) >= 10 or len(set(by_id["s1"]["retrieved"])) == 5
    # a line with `history` is asked as that conversation's follow-up, and only it is scored
    assert by_id["f1"]["standalone_question"] == "What did Xi tell Scholz?"
    assert "Olaf Scholz" in by_id["f1"]["citations"][0]["text"]


def test_metrics_equal_the_reference_scorer_on_the_same_predictions(sample_run, tmp_path):
    folder, _ = sample_run
    gold = tmp_path / "gold.jsonl"
    gold.write_text("".join(line for line in QUESTIONS.open() if '"broken"' not in line and '"s7"' not in line))
    ours = json.loads((folder / "out" / "metrics.json").read_text())
    assert_same_numbers(ours, reference_metrics(folder / "out" / "predictions.jsonl", gold, tmp_path))
    assert ours["seed"]["abstention_rate"] == 1.0 and ours["realtimeqa"]["mc_accuracy"] == 1.0


def test_metrics_equal_the_reference_scorer_on_the_bm25_baseline_h1(tmp_path):
    if not (BASELINE.exists() and H1.exists()):
        pytest.skip("RealTimeQA H1 or the BM25 baseline predictions are absent from ../shared")
    with gzip.open(BASELINE, "rt", encoding="utf-8") as lines:
        predictions = [json.loads(line) for line in lines if line.strip()]
    questions = load_questions(H1).questions
    ours = summarise(predictions, questions, (1, 5, 10))
    assert_same_numbers(ours, reference_metrics(BASELINE, H1, tmp_path))
    assert ours["realtimeqa"]["n"] == 760


def test_an_interrupted_run_resumes_without_redoing_answers(sample_run, tmp_path):
    folder, _ = sample_run
    out = tmp_path / "out"
    out.mkdir()
    kept = (folder / "out" / "predictions.jsonl").read_text().splitlines()[:4]
    (out / "predictions.jsonl").write_text("\n".join(kept) + '\n{"id": "s5", "answer": "cut o')
    env = {"NEWSDESK_STORE_PATH": str(folder / "store")}
    done = run_cli("eval", str(QUESTIONS), "--out", str(out), env=env)
    assert done.returncode == 3, done.stderr
    lines = (out / "predictions.jsonl").read_text().splitlines()
    assert lines[:4] == kept  # latencies included: the first four were not answered again
    assert [json.loads(line)["id"] for line in lines] == ["s1", "s2", "s3", "s4", "s5", "s6", "r1", "r2", "r3", "f1"]


def test_html_report_shows_its_plots_in_chromium(sample_run, visit):
    folder, _ = sample_run
    report = folder / "out" / "report.html"
    assert "<script" not in report.read_text() and "http" not in report.read_text().replace("http://www.w3.org", "")
    visit.page.goto(report.as_uri())
    assert visit.page.locator("#plots figure svg").count() == 4
    assert visit.page.locator("#plots figure").first.inner_text().startswith("Recall@k")
    assert visit.page.locator("#plots polyline").count() == 1 and visit.page.locator("#plots rect").count() > 5
    visit.screenshot("eval-report")
    assert visit.outside == []


def test_options_the_reader_cannot_take_are_a_named_bad_line(tmp_path):
    path = tmp_path / "q.jsonl"
    lines = [
        {"id": "ok", "question": "Who?", "choices": ["Wang Yi", "Zhang Jun"], "answer_index": 1},
        {"id": "blank", "question": "Who?", "choices": ["Wang Yi", "  "], "answer_index": 0},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    loaded = load_questions(path)
    assert [q.id for q in loaded.questions] == ["ok"]
    assert [str(e) for e in loaded.errors] == [f"{path}:2: an option is empty: every option needs some text"]


def test_a_failed_follow_up_shows_its_rewrite_in_the_report():
    from assistant.evaluation.metrics import Outcome
    from assistant.evaluation.questions import EvalQuestion
    from assistant.evaluation.report import failed_rows

    question = EvalQuestion("c1", "And Scholz?", "seed", "single", expect_any=("nuclear",), history=("What did Xi …?",))
    prediction = {"id": "c1", "answer": "", "standalone_question": "What did Xi tell Scholz?"}
    rows = failed_rows([Outcome(question, prediction, abstained=True, contains=False)])
    assert rows[0]["question"] == "And Scholz? (read as: What did Xi tell Scholz?)"


def test_the_report_says_whether_the_gold_answer_was_in_the_passages_read(sample_run):
    folder, _ = sample_run
    by_id = {p["id"]: p for p in map(json.loads, (folder / "out" / "predictions.jsonl").read_text().splitlines())}
    assert by_id["s2"]["gold_in_passages_at"] == 1  # "Zhang Jun" is in the first passage read
    assert "gold_in_passages_at" not in by_id["s5"]  # an unanswerable question has no gold to look for
    found = json.loads((folder / "out" / "metrics.json").read_text())["gold_in_passages"]
    assert found["n"] == 8 and found["at_k"]["10"] == 1.0 and found["right_when_there"] == 1.0
    report = (folder / "out" / "report.md").read_text()
    assert "## Gold answer in the passages read" in report and "of the questions whose gold answer was" in report


def test_the_gold_answer_is_looked_for_in_the_passages_read_from_the_top():
    from assistant.evaluation.metrics import first_holding
    from assistant.evaluation.questions import EvalQuestion

    both = EvalQuestion("l1", "Who met?", "seed", "multi", expect_all=("Xi", "Medvedev"))
    passages = ["Scholz spoke.", "Xi spoke.", "Medvedev listened.", "Xi met Medvedev."]
    assert first_holding(both, passages) == 3  # every expected name, across the passages read so far
    assert first_holding(both, passages[:2]) is None
    rtqa = EvalQuestion("q1", "Which team?", "realtimeqa", "multiple-choice", answer_text="Buffalo Bills")
    assert first_holding(rtqa, ["the Bills", "a Buffalo Bills player"]) == 2
