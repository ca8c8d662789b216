"""Ingest killed with SIGKILL at random moments, then re-run: nothing lost, nothing doubled, BM25 in step."""

import random
import signal
import time

import pytest

from index.lexical import LexicalIndex
from index.store import ChunkStore
from tests.conftest import run_cli
from tests.reliability.conftest import bounded
from tests.test_processes import expected_ids, start_cli, stored_rows, synthetic_feed

pytestmark = pytest.mark.reliability
FIRST_WINDOW_S = 15.0  # until a whole ingest has been timed: model load + 24 articles + BM25 rebuild on 2 cores


def phase(store_dir, rows_before: int, rows_after: int, lexical: LexicalIndex) -> str:
    """Where the kill landed, judged from outside: before any write, mid-write, or in the BM25 rebuild."""
    rows = stored_rows(store_dir)
    if rows <= rows_before:
        return "before any write"
    if rows < rows_after:
        return "while writing chunks"
    return "during the BM25 rebuild" if lexical.is_stale() else "after the last write"


def test_sigkill_at_random_points_loses_and_doubles_nothing(tmp_path, embedder, figures):
    trials = bounded(3, 20)
    rng = random.Random(20261124)
    store_dir = tmp_path / "store"
    env = {"NEWSDESK_STORE_PATH": str(store_dir), "NEWSDESK_INGEST_BATCH_ARTICLES": "4"}
    lexical = LexicalIndex(store_dir / "lexical-newsdesk")
    expected: set[str] = set()
    phases: dict[str, int] = {}
    window = FIRST_WINDOW_S  # the kill lands anywhere in the time a whole ingest takes on this machine
    for trial in range(trials):
        feed = synthetic_feed(tmp_path / f"feed-{trial}.jsonl", 24, prefix=f"t{trial}-")
        expected |= expected_ids(feed, embedder)
        rows_before = stored_rows(store_dir)
        process = start_cli("ingest", "--quiet", str(feed), env=env)
        time.sleep(rng.uniform(0.0, window))
        finished = process.poll() is not None
        landed = "after it finished" if finished else phase(store_dir, rows_before, len(expected), lexical)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        phases[landed] = phases.get(landed, 0) + 1

        started = time.monotonic()
        rerun = run_cli("ingest", "--quiet", str(feed), env=env)
        if landed == "before any write":
            window = time.monotonic() - started  # that re-run did the whole job
        assert rerun.returncode == 0, f"trial {trial}: re-run failed\n{rerun.stderr}"
        with ChunkStore(store_dir) as store:
            ids = store.all_ids()
            assert len(ids) == len(set(ids)), f"trial {trial}: duplicated chunks"
            assert set(ids) == expected, (
                f"trial {trial}: lost {len(expected - set(ids))}, extra {len(set(ids) - expected)}"
            )
            assert not lexical.is_stale(), f"trial {trial}: the re-run left the BM25 index marked stale"
            lexical.ensure_current(store)
            assert sorted(lexical.chunk_ids) == sorted(ids), f"trial {trial}: BM25 and Chroma disagree"
    figures["crash"] = {
        "trials": trials,
        "kill_window_s": round(window, 1),
        "chunks": len(expected),
        "lost": 0,
        "duplicated": 0,
        "kills": phases,
    }
