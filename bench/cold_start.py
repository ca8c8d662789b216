"""Cold start of the CLI, in one run: `newsdesk ask` against the same ask through torch and a bare interpreter.

    python bench/cold_start.py [--runs N] [--store DIR]

Each command runs as its own process, as a user types it, N times in turns (ask, torch ask, floor), on a store of
the bundled sample (made in a temporary folder unless --store is given). Prints the median and best wall time of
each and the ratio of `ask` to the torch baseline (NEWSDESK_ONNX_SENTENCES=false: the answer's sentences through
torch, as every ask did before). Goal (issue 30): `ask` on the sample ≤ 3 s wall, cold.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
QUESTION = "What did Xi tell Medvedev?"
GOAL_S = 3.0


def timed(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=PROJECT, capture_output=True, text=True, timeout=300)
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    parser.add_argument("--store", type=Path, help="a store to ask (default: the sample, ingested in a temp folder)")
    args = parser.parse_args()
    cli = [sys.executable, "-m", "assistant.interfaces.cli"]
    with tempfile.TemporaryDirectory(prefix="newsdesk-cold-") as folder:
        store = args.store or Path(folder) / "store"
        env = {**os.environ, "NEWSDESK_STORE_PATH": str(store)}
        if args.store is None:
            timed([*cli, "ingest", "--quiet", str(PROJECT / "data" / "sample")], env)  # also makes the ONNX copies
        timed([*cli, "ask", QUESTION], env)  # a first ask outside the figures: page cache, not code, warms here
        commands = {
            "newsdesk ask": ([*cli, "ask", QUESTION], env),
            "ask through torch (baseline)": ([*cli, "ask", QUESTION], {**env, "NEWSDESK_ONNX_SENTENCES": "false"}),
            "python -c pass (floor)": ([sys.executable, "-c", "pass"], env),
        }
        walls: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, (command, command_env) in commands.items():
                walls[name].append(timed(command, command_env))
    width = max(map(len, walls))
    for name, seconds in walls.items():
        print(f"{name:<{width}}  median {statistics.median(seconds):6.2f} s   best {min(seconds):6.2f} s")
    ask, torch = (statistics.median(walls[name]) for name in list(commands)[:2])
    verdict = "met" if ask <= GOAL_S else "NOT met"
    print(f"\nask / torch baseline: {ask / torch:.2f}×   goal ≤ {GOAL_S:.1f} s: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
