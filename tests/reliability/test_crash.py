"""Ingest killed with SIGKILL at random moments, then re-run: nothing lost, nothing doubled, the lexical index and its
story clusters holding exactly Chroma's ids."""

import random
import signal
import time
from pathlib import Path

import pytest

from index.lexical import LexicalIndex
from index.store import ChunkStore
from tests.conftest import start_chroma, wait_until
from tests.reliability.conftest import bounded
from tests.test_processes import expected_ids, start_cli, stored_rows, synthetic_feed

pytestmark = pytest.mark.reliability


def phase(chroma_dir, rows_before: int, rows_after: int, lexical: LexicalIndex) -> str:
    """Where the kill landed, judged from outside: before any write, mid-write, or between Chroma's last write and
    the lexical index's."""
    rows = stored_rows(chroma_dir)
    if rows <= rows_before:
        return "before any write"
    if rows < rows_after:
        return "while writing chunks"
    return "before the lexical index's write" if lexical.is_stale() else "after the last write"


def timed_ingest(feed, env: dict, chroma_dir, rows_before: int) -> tuple[int, str, float, float | None]:
    """An ingest watched from outside: its exit code, stderr, whole time and when its first new row landed."""
    process = start_cli("ingest", "--quiet", str(feed), env=env)
    started = time.monotonic()
    first_write = None
    while process.poll() is None and time.monotonic() - started < 300:
        if first_write is None and stored_rows(chroma_dir) > rows_before:
            first_write = time.monotonic() - started
        time.sleep(0.05)
    _, stderr = process.communicate(timeout=60)
    return process.returncode, stderr, time.monotonic() - started, first_write


@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_sigkill_at_random_points_loses_and_doubles_nothing(tmp_path, embedder, figures, mode):
    """Even trials kill anywhere in a run; odd ones once writing has begun, so startup and writing are both hit. In
    server mode the killed process is the ingest; the `chroma run` server it writes to keeps running."""
    trials = bounded(3, 20) if mode == "embedded" else bounded(2, 10)
    rng = random.Random(20261124)
    store_dir = tmp_path / "store"
    env = {"NEWSDESK_STORE_PATH": str(store_dir), "NEWSDESK_INGEST_BATCH_ARTICLES": "4"}
    chroma_dir, server = store_dir, None
    if mode == "server":
        server = start_chroma(tmp_path / "chroma")
        env["NEWSDESK_CHROMA_URL"] = server.url
        chroma_dir = server.path / "db"  # the server's own SQLite file, read as the embedded store's is
    try:
        run_trials(trials, rng, tmp_path, env, chroma_dir, server.url if server else "", embedder, figures, mode)
    finally:
        if server is not None:
            server.stop()


def run_trials(
    trials: int,
    rng: random.Random,
    tmp_path: Path,
    env: dict,
    chroma_dir: Path,
    url: str,
    embedder,
    figures: dict,
    mode: str,
) -> None:
    store_dir = tmp_path / "store"
    lexical = LexicalIndex(store_dir / "lexical-newsdesk")
    expected: set[str] = set()
    phases: dict[str, int] = {}
    # One ingest left to finish first: it measures how long a whole run and its writing phase take on this machine,
    # so every kill below lands inside a run rather than after it.
    warmup = synthetic_feed(tmp_path / "feed-warmup.jsonl", 24, prefix="warmup-")
    expected |= expected_ids(warmup, embedder)
    returncode, stderr, whole, first_write = timed_ingest(warmup, env, chroma_dir, 0)
    assert returncode == 0 and first_write is not None, stderr
    writing = whole - first_write
    for trial in range(trials):
        feed = synthetic_feed(tmp_path / f"feed-{trial}.jsonl", 24, prefix=f"t{trial}-")
        expected |= expected_ids(feed, embedder)
        rows_before = stored_rows(chroma_dir)
        process = start_cli("ingest", "--quiet", str(feed), env=env)
        if trial % 2:
            wrote = lambda p=process, n=rows_before: stored_rows(chroma_dir) > n or p.poll() is not None  # noqa: E731
            wait_until(wrote, 180, "the first write")
            time.sleep(rng.uniform(0.0, 0.9 * writing))
        else:
            time.sleep(rng.uniform(0.0, 0.9 * whole))
        finished = process.poll() is not None
        landed = "after it finished" if finished else phase(chroma_dir, rows_before, len(expected), lexical)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        phases[landed] = phases.get(landed, 0) + 1

        returncode, stderr, took, first_write = timed_ingest(feed, env, chroma_dir, stored_rows(chroma_dir))
        assert returncode == 0, f"trial {trial}: re-run failed\n{stderr}"
        if landed == "before any write" and first_write is not None:
            whole, writing = took, took - first_write  # that re-run did the whole job: learn both windows
        with ChunkStore(store_dir, url) as store:
            ids = store.all_ids()
            assert len(ids) == len(set(ids)), f"trial {trial}: duplicated chunks"
            assert set(ids) == expected, (
                f"trial {trial}: lost {len(expected - set(ids))}, extra {len(set(ids) - expected)}"
            )
            assert not lexical.is_stale(), f"trial {trial}: the re-run left the lexical index marked pending"
            assert sorted(lexical.chunk_ids) == sorted(ids), f"trial {trial}: the lexical index and Chroma disagree"
            articles = {h.article_id for h in lexical.iter_passages()}
            filed = {row[0] for row in lexical.db.execute("SELECT article_id FROM stories")}
            assert filed == articles, f"trial {trial}: story clusters for {len(filed)} of {len(articles)} articles"
    figures["crash" if mode == "embedded" else "crash_server"] = {
        "trials": trials,
        "whole_run_s": round(whole, 1),
        "writing_s": round(writing, 1),
        "chunks": len(expected),
        "lost": 0,
        "duplicated": 0,
        "kills": phases,
    }
