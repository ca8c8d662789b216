"""Several processes around one store: SIGKILL mid-ingest, the single-owner lock, concurrent server ingest."""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from index.articles import load_articles
from index.chunking import split_article
from index.cleaning import clean_article
from index.store import ChunkStore
from index.store_lock import OWNER_NAME
from tests.conftest import PROJECT, SAMPLE, run_cli, start_app, stop_app, wait_until


def synthetic_feed(path: Path, count: int, prefix: str = "") -> Path:
    """Distinct articles built from the sample's paragraphs, enough for many ingest batches."""
    paragraphs = [p for a in load_articles([SAMPLE]) for p in a.text.split("\n\n") if len(p) > 80]
    with open(path, "w", encoding="utf-8") as out:
        for n in range(count):
            body = "\n\n".join(paragraphs[(n + k) % len(paragraphs)] for k in range(4))
            name = f"{prefix}bulletin-{n}"
            out.write(json.dumps({"id": name, "title": f"Bulletin {name}", "text": f"Bulletin {name}.\n\n{body}"}))
            out.write("\n")
    return path


def expected_ids(feed: Path, embedder) -> set[str]:
    return {c.id for a in load_articles([feed]) for c in split_article(clean_article(a), embedder.count_tokens, 200)}


def start_cli(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "assistant.interfaces.cli", *args],
        cwd=PROJECT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stored_rows(store_dir: Path) -> int:
    """Peek at Chroma's SQLite read-only (safe beside a writer, unlike a second Chroma client)."""
    try:
        with sqlite3.connect(f"file:{store_dir / 'chroma.sqlite3'}?mode=ro", uri=True, timeout=1) as db:
            return db.execute("SELECT count(*) FROM embeddings").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_sigkill_mid_ingest_then_rerun_leaves_exactly_one_copy(tmp_path, embedder):
    feed = synthetic_feed(tmp_path / "feed.jsonl", 80)
    store_dir = tmp_path / "store"
    env = {"NEWSDESK_STORE_PATH": str(store_dir), "NEWSDESK_INGEST_BATCH_ARTICLES": "4"}
    first = start_cli("ingest", "--quiet", str(feed), env=env)
    wait_until(lambda: (store_dir / OWNER_NAME).exists(), 120, "the ingest to open the store")
    wait_until(lambda: stored_rows(store_dir) > 0, 180, "the first batch to land")
    time.sleep(random.uniform(0.0, 1.5))
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert first.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"

    rerun = run_cli("ingest", "--json", "--quiet", str(feed), env=env)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["unchanged"] > 0 and report["added"] > 0, report  # it really was killed midway
    with ChunkStore(store_dir) as store:
        ids = store.all_ids()
    assert len(ids) == len(set(ids)) == len(expected_ids(feed, embedder))
    assert set(ids) == expected_ids(feed, embedder)


def test_second_process_is_refused_with_owner_and_ways_out_then_recovers_after_sigkill(tmp_path):
    store_dir = tmp_path / "store"
    env = {"NEWSDESK_STORE_PATH": str(store_dir)}
    assert run_cli("ingest", "--quiet", str(SAMPLE), env=env).returncode == 0
    with ChunkStore(store_dir) as store:
        before = sorted(store.all_ids())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom index.store import ChunkStore\n"
            f"s = ChunkStore({str(store_dir)!r})\nprint('ready', flush=True)\ntime.sleep(120)\n",
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        refused = run_cli("ingest", "--quiet", str(SAMPLE), env=env)
        assert refused.returncode == 1
        assert str(store_dir) in refused.stderr and f"process {holder.pid}" in refused.stderr
        assert "stop that process" in refused.stderr and "chroma run" in refused.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    with ChunkStore(store_dir) as store:  # no manual clean-up after the owner died
        assert sorted(store.all_ids()) == before
    asked = run_cli("ask", "--json", "Who is China's Permanent Representative to the UN?", env=env)
    assert "Zhang Jun" in json.loads(asked.stdout)["answer"]


def test_two_processes_ingest_concurrently_through_a_server(tmp_path, chroma_server, embedder):
    feed = synthetic_feed(tmp_path / "feed.jsonl", 24)
    env = {
        "NEWSDESK_CHROMA_URL": chroma_server,
        "NEWSDESK_COLLECTION": f"concurrent{time.time_ns()}",
        "NEWSDESK_INGEST_BATCH_ARTICLES": "4",
    }
    workers = [start_cli("ingest", "--quiet", str(feed), str(SAMPLE), env=env) for _ in range(2)]
    for worker in workers:
        _, err = worker.communicate(timeout=600)
        assert worker.returncode == 0, err
    with ChunkStore(url=chroma_server, collection=env["NEWSDESK_COLLECTION"]) as store:
        ids = store.all_ids()
    assert len(ids) == len(set(ids)) == len(expected_ids(feed, embedder) | expected_ids(SAMPLE, embedder))


def test_an_article_the_cli_ingests_is_cited_by_the_running_app(tmp_path, chroma_server):
    """Issue 27: the app and `newsdesk ingest` on one `chroma run` server, each with a lexical index of its own (as on
    two machines). The app's count check sees the new chunks and its id diff reads only those: no rebuild."""
    import httpx

    shared = {"NEWSDESK_CHROMA_URL": chroma_server, "NEWSDESK_COLLECTION": f"shared{time.time_ns()}"}
    (tmp_path / "app").mkdir()
    app = start_app(tmp_path / "app", shared)
    question = {"question": "When did Quillfeather harbour reopen?"}
    try:
        before = httpx.post(f"{app.url}/api/ask", json=question, timeout=60).json()
        assert "harbour" not in {c["article_id"] for c in before["citations"]}
        article = tmp_path / "harbour.txt"
        article.write_text(
            "Quillfeather harbour\n\nQuillfeather harbour reopened on Tuesday after the storm, the mayor said.\n",
            encoding="utf-8",
        )
        done = run_cli("ingest", "--quiet", str(article), env={**shared, "NEWSDESK_STORE_PATH": str(tmp_path / "cli")})
        assert done.returncode == 0, done.stderr
        after = httpx.post(f"{app.url}/api/ask", json=question, timeout=60).json()
        assert after["citations"][0]["article_id"] == "harbour", after["answer"]
        assert "reopened on Tuesday" in after["answer"]
    finally:
        stop_app(app)
