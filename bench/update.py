"""Adding articles to a small and a large store, in one run: what an update costs should not grow with the store.

    python bench/update.py [--work DIR] [--sizes january,year]

Builds (or reuses, from --work) a `lead`-scope store of RealTimeQA's January articles and one of the whole year, then
at each size times:
  - adding 1 article, then 10, --rounds times, in the process that holds the store open (model loaded, as the app
    holds it); the medians are printed;
  - `newsdesk ingest one-article.txt` and `newsdesk ask "…"` as a user types them (fresh processes: interpreter,
    model and store opened each time), with the peak RSS of the ask;
  - `python app.py` on the store until its first answer through /api/ask, and its peak RSS.
The added articles are copies of corpus articles with a first line that makes their text new, so each run adds new
content. Prints seconds per article at each size and the ratio of the largest size to the smallest.
Goals (issue 27): ≤ 3 s per article at full-year size, ratio ≤ 1.5, cold ask ≤ 5 s, app RSS ≤ 1.2 GB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from assistant.config import Settings  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402

RTQA = PROJECT.parent / "shared" / "benchmarks" / "realtimeqa"
CORPORA = {"january": RTQA / "articles-2023-01.jsonl.gz", "year": RTQA / "articles-2023.jsonl.gz"}
QUESTION = "What did the Federal Reserve decide about interest rates?"
GOAL_PER_ARTICLE_S, GOAL_RATIO, GOAL_COLD_ASK_S, GOAL_APP_RSS_MB = 3.0, 1.5, 5.0, 1200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", type=Path, default=PROJECT / "runs" / "bench-update", help="stores kept here")
    parser.add_argument("--sizes", default="january,year", help="which stores, smallest first (january, year)")
    parser.add_argument("--rounds", type=int, default=5, help="adds of 1 and of 10 per size; medians are printed")
    args = parser.parse_args()
    sizes = args.sizes.split(",")
    if not all(CORPORA[size].exists() for size in sizes):
        print(f"skipped: the RealTimeQA corpus is not in {RTQA}")
        return 0
    stamp = time.strftime("%Y%m%d%H%M%S")
    figures = {
        size: measure(size, args.work / size, args.work / f"adds-{stamp}-{size}", stamp, args.rounds) for size in sizes
    }
    report(figures, sizes)
    return 0


def measure(size: str, store: Path, adds: Path, stamp: str, rounds: int) -> dict:
    settings = Settings(store_path=store, dense_scope="lead")
    built = store / "bench-built.json"
    figures: dict = {}
    with Runtime(settings) as runtime:
        if not built.exists():
            started = time.perf_counter()
            runtime.ingest([CORPORA[size]], progress=True)
            figures["build_s"] = time.perf_counter() - started
            built.write_text(json.dumps({"seconds": figures["build_s"]}), encoding="utf-8")
        runtime.lexical.ensure_current(runtime.store)  # a store made before this index: filled once, not timed
        figures["chunks"] = runtime.store.count()
        files = copies(adds, f"{stamp}-{size}", (1, 10) * rounds + (1,))
        runtime.embedder.embed_documents(["warm-up"])
        took: dict[str, list[float]] = {"add_1_s": [], "add_10_s": []}
        for number, path in enumerate(files[:-1]):
            count = (1, 10)[number % 2]
            started = time.perf_counter()
            report = runtime.ingest([path])
            took[f"add_{count}_s"].append(time.perf_counter() - started)
            assert report.added == count, report.summary()
        figures |= {name: statistics.median(times) for name, times in took.items()}
        top = runtime.assistant.retriever.lexical_hits(f"copy{stamp}{size}x1x0", 1)
        assert top and top[0].article_id == f"copy-{stamp}-{size}-1-0", "the added article is not found"
    env = {**os.environ, "NEWSDESK_STORE_PATH": str(store), "NEWSDESK_DENSE_SCOPE": "lead"}
    figures["cli_ingest_s"], _ = run(["ingest", "--quiet", str(files[2])], env)
    figures["cold_ask_s"], figures["cold_ask_rss_mb"] = run(["ask", QUESTION], env)
    figures["app_start_s"], figures["app_rss_mb"] = app_rss(env, adds / "app.log")
    return figures


def app_rss(env: dict, log_path: Path) -> tuple[float, float]:
    """`python app.py` on the store, asked one question through /api/ask: seconds until it answered, and its peak
    RSS (MB) by then."""
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.perf_counter()
    with open(log_path, "w") as log:
        env = {**env, "NEWSDESK_PORT": str(port), "NEWSDESK_HOST": "127.0.0.1"}
        app = subprocess.Popen([sys.executable, "app.py"], cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        while "Running on" not in log_path.read_text():
            if app.poll() is not None or time.perf_counter() - started > 300:
                raise SystemExit(f"the app did not start: see {log_path}")
            time.sleep(0.2)
        answer = httpx.post(f"http://127.0.0.1:{port}/api/ask", json={"question": QUESTION}, timeout=120)
        answer.raise_for_status()
        took = time.perf_counter() - started
        status = Path(f"/proc/{app.pid}/status").read_text()
        peak_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    finally:
        app.terminate()
        app.wait(timeout=60)
    return took, peak_kb / 1024


def copies(folder: Path, tag: str, counts: tuple[int, ...]) -> list[Path]:
    """One JSONL file per count, each article a corpus article under a new id and a first line of its own."""
    folder.mkdir(parents=True, exist_ok=True)
    with gzip.open(CORPORA["january"], "rt", encoding="utf-8") as source:
        originals = [json.loads(line) for _, line in zip(range(sum(counts)), source, strict=False)]
    files, used = [], 0
    for number, count in enumerate(counts):
        path = folder / f"add-{number}.jsonl"
        with open(path, "w", encoding="utf-8") as out:
            for k, original in enumerate(originals[used : used + count]):
                name = f"{tag}-{number}-{k}"
                text = f"Update copy{tag.replace('-', '')}x{number}x{k}.\n\n{original['text']}"  # one word of its own
                out.write(json.dumps({**original, "doc_id": f"copy-{name}", "id": f"copy-{name}", "text": text}))
                out.write("\n")
        files.append(path)
        used += count
    return files


def run(args: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one CLI command in a process of its own."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        command = [sys.executable, "-m", "assistant.interfaces.cli", *args]
        process = subprocess.Popen(command, cwd=PROJECT, env=env, stdout=subprocess.DEVNULL, stderr=errors)
        _, status, usage = os.wait4(process.pid, 0)  # the child's own rusage, not the maximum over all children
        took = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in (0, 3):
            errors.seek(0)
            raise SystemExit(f"newsdesk {' '.join(args)} failed:\n{errors.read().decode(errors='replace')}")
    return took, usage.ru_maxrss / 1024


def report(figures: dict, sizes: list[str]) -> None:
    for size in sizes:
        f = figures[size]
        built = f" (built in {f['build_s']:.0f} s)" if "build_s" in f else ""
        print(f"{size}: {f['chunks']:,} chunks{built}")
        print(f"  add 1 article:   {f['add_1_s']:6.2f} s")
        print(f"  add 10 articles: {f['add_10_s']:6.2f} s  ({f['add_10_s'] / 10:.2f} s per article)")
        print(f"  `newsdesk ingest` of 1 article, cold: {f['cli_ingest_s']:6.2f} s wall")
        print(f"  `newsdesk ask`, cold: {f['cold_ask_s']:6.2f} s wall, peak RSS {f['cold_ask_rss_mb']:.0f} MB")
        print(f"  `python app.py`: answered {f['app_start_s']:.1f} s after start, peak RSS {f['app_rss_mb']:.0f} MB")
    small, large = figures[sizes[0]], figures[sizes[-1]]
    per_article = max(large["add_1_s"], large["add_10_s"] / 10)
    ratio = max(large["add_1_s"] / small["add_1_s"], large["add_10_s"] / small["add_10_s"])
    goals = [
        (f"seconds per article added at {sizes[-1]} size", per_article, GOAL_PER_ARTICLE_S),
        (f"ratio {sizes[-1]} / {sizes[0]} (the worse of add 1, add 10)", ratio, GOAL_RATIO),
        (f"cold ask at {sizes[-1]} size, s", large["cold_ask_s"], GOAL_COLD_ASK_S),
        (f"app peak RSS at {sizes[-1]} size, MB", large["app_rss_mb"], GOAL_APP_RSS_MB),
    ]
    for label, value, goal in goals:
        print(f"{label}: {value:.2f} (goal <= {goal}: {'met' if value <= goal else 'MISSED'})")


if __name__ == "__main__":
    sys.exit(main())
