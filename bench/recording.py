"""The command line shared by the record-once, replay-many benches (`bench/replay.py`, `bench/rerank.py`): which
questions a recording answers, and the two steps."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from assistant.evaluation.questions import EvalQuestion, load_questions
from assistant.evaluation.splits import SPLITS, asked_since, in_split


def record_and_replay(description: str, recorded: str) -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The parser and its `record` step, to which a bench adds its own options; `replay` reads the file `recorded`."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    steps = parser.add_subparsers(dest="step", required=True)
    record = steps.add_parser("record")
    record.add_argument("--store", type=Path, required=True)
    record.add_argument("--split", choices=sorted(SPLITS), required=True)
    record.add_argument("--since", type=date.fromisoformat, help="only questions asked from this day (YYYY-MM-DD)")
    record.add_argument("questions", type=Path)
    record.add_argument("--out", type=Path, required=True)
    steps.add_parser("replay").add_argument(recorded, type=Path)
    return parser, record


def recorded_questions(args: argparse.Namespace) -> list[EvalQuestion]:
    return asked_since(in_split(load_questions(args.questions).questions, args.split), args.since)
