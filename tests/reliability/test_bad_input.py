"""Bad questions and bad files at every edge: each gets a clear error naming what is wrong, and nothing stored is
lost. (Upload names, types and the size limit of /api/ingest: tests/test_api.py; the browser upload: test_browser.)"""

import gzip
import json
import os

import httpx
import pytest

from index.store import ChunkStore
from tests.conftest import SAMPLE, XI_ARTICLE, GradioError, gradio_call, run_cli

pytestmark = pytest.mark.reliability
BAD_QUESTIONS = {"empty": "", "whitespace": " \t\n ", "100 kB": "why " * 25_000}


def bad_feed(folder):
    """One of every kind of bad file, beside one good article that must still load."""
    folder.mkdir()
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blank.md").write_text(" \n\t\n  ", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Caf\xe9 owners in Z\xfcrich protested on Monday.".encode("latin-1"))
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 64)
    (folder / "nul.md").write_bytes(b"Looks like text\x00\x00\x00 but is not.")
    (folder / "huge.txt").write_bytes(b"Endless words. " * 80_000)  # 1.2 MB: over the 1 MB limit set below
    lines = [
        json.dumps({"id": 5, "text": 123}),
        json.dumps({"id": "list-text", "text": ["not", "a", "string"]}),
        json.dumps([1, 2, 3]),
        json.dumps("just a string"),
        json.dumps({"id": "no-text"}),
        json.dumps({"id": "bad-date", "date": "yesterday-ish", "text": "The Orrin canal reopened on Monday."}),
        '{"id": "cut-off", "text": "unterminated',
        json.dumps({"id": "good-1", "title": "Velden dam inspected", "text": "Engineers inspected the Velden dam."}),
    ]
    raw = ("\n".join(lines) + "\n").encode() + b'{"id": "latin", "text": "caf\xe9"}\n'
    raw += json.dumps({"id": "good-2", "text": "The Osk ferry resumed service on Tuesday."}).encode() + b"\n"
    (folder / "mixed.jsonl").write_bytes(raw)
    with gzip.open(folder / "truncated.jsonl.gz", "wb") as packed:
        for n in range(40):  # distinct text, so the compressed stream is long enough to cut in the middle
            text = f"The Pell tunnel section {n} opened after {n * 7919 % 1000} days of work on {n * 31} metres."
            packed.write(json.dumps({"id": f"gz-{n}", "text": text}).encode() + b"\n")
    data = (folder / "truncated.jsonl.gz").read_bytes()
    (folder / "truncated.jsonl.gz").write_bytes(data[: len(data) // 2])
    return folder


def test_bad_files_are_named_the_good_ones_load_and_nothing_is_lost(tmp_path, figures):
    store = tmp_path / "store"
    env = {"NEWSDESK_STORE_PATH": str(store), "NEWSDESK_MAX_ARTICLE_MB": "1"}
    assert run_cli("ingest", "--quiet", str(SAMPLE), env=env).returncode == 0
    with ChunkStore(store) as opened:
        before = set(opened.all_ids())

    image = tmp_path / "image.png"  # named on the command line (in a folder, other file types are passed over)
    image.write_bytes(b"\x89PNG\r\n\x1a\n")
    result = run_cli("ingest", "--json", "--quiet", str(bad_feed(tmp_path / "feed")), str(image), env=env)
    assert result.returncode == 3 and "Traceback" not in result.stderr, result.stderr  # partial: some failed
    report = json.loads(result.stdout)
    errors = "\n".join(report["errors"])
    feed = tmp_path / "feed"
    expected = [
        f"{feed / 'empty.txt'}: no article text found",
        f"{feed / 'blank.md'}: no article text found",
        f"{feed / 'latin1.txt'}: not UTF-8 text (byte 3)",
        f"{feed / 'binary.txt'}: not UTF-8 text",
        f"{feed / 'nul.md'}: binary data (NUL bytes)",
        f"{feed / 'huge.txt'}: 1.2 MB is more than one article can be (1.0 MB, NEWSDESK_MAX_ARTICLE_MB)",
        f"{image}: unsupported file type",
        f"{feed / 'mixed.jsonl'}:1: field 'text' should be a string, found int",
        f"{feed / 'mixed.jsonl'}:2: field 'text' should be a string, found list",
        f"{feed / 'mixed.jsonl'}:3: expected a JSON object",
        f"{feed / 'mixed.jsonl'}:4: expected a JSON object",
        f"{feed / 'mixed.jsonl'}:5: missing 'text' field",
        f"{feed / 'mixed.jsonl'}:6: unrecognised date 'yesterday-ish'",
        f"{feed / 'mixed.jsonl'}:7: invalid JSON",
        f"{feed / 'mixed.jsonl'}:9: not UTF-8 text",
        f"{feed / 'truncated.jsonl.gz'}: file is unreadable past this point",
    ]
    missing = [line for line in expected if line not in errors]
    assert not missing, f"not reported: {missing}\n---\n{errors}"
    with ChunkStore(store) as opened:
        after = opened.all_ids()
        stored = {m["article_id"] for m in opened.iter_metadata()}
    assert before <= set(after) and len(after) == len(set(after))  # nothing lost, nothing doubled
    assert {"good-1", "good-2", "gz-0"} <= stored and "gz-39" not in stored  # good lines around bad ones loaded
    figures["bad_files"] = {"bad_inputs": len(expected), "named": len(expected), "chunks_lost": 0}


def test_bad_questions_get_named_errors_at_every_edge(running_app, figures):
    chunks = httpx.get(f"{running_app.url}/api/health").json()["chunks"]
    for name, question in BAD_QUESTIONS.items():
        api = httpx.post(f"{running_app.url}/api/ask", json={"question": question}, timeout=30)
        assert api.status_code == 422, (name, api.text)
        assert ("empty" in api.text) if name != "100 kB" else ("2000" in api.text), (name, api.text)
        openai = httpx.post(
            f"{running_app.url}/v1/chat/completions", json={"messages": [{"role": "user", "content": question}]}
        )
        assert openai.status_code == 422, (name, openai.text)
        with pytest.raises(GradioError):
            gradio_call(running_app.url, "ask", [question, [], [], {}, ""])
    cli_env = {"NEWSDESK_STORE_PATH": os.devnull}  # refused before any store is opened
    for name, question in BAD_QUESTIONS.items():
        cli = run_cli("ask", question, env=cli_env)
        assert cli.returncode == 2 and "newsdesk: error:" in cli.stderr and "Traceback" not in cli.stderr, name
    assert httpx.get(f"{running_app.url}/api/health").json()["chunks"] == chunks
    answered = httpx.post(f"{running_app.url}/api/ask", json={"question": "What did Xi tell Medvedev?"}, timeout=60)
    assert XI_ARTICLE in {c["article_id"] for c in answered.json()["citations"]}
    figures["bad_questions"] = {"kinds": list(BAD_QUESTIONS), "edges": ["api", "openai", "gradio", "cli"]}
