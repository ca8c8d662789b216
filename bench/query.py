"""Question latency against a plain llama-index retriever over the same Chroma collection, in one run.

    python bench/query.py [--store DIR] [--questions N]

Builds (or reuses) an embedded index of the January 2023 RealTimeQA articles at --store, then for the first N
January H1 questions measures: newsdesk `ask` end to end (retrieve + extractive answer + citations), newsdesk
retrieval alone, and the baseline — llama-index `VectorStoreIndex.from_vector_store(ChromaVectorStore(...))` with
`HuggingFaceEmbedding` on the same model, `as_retriever(similarity_top_k=top_k)` — over the same collection.
For `ask`, a like-for-like baseline too: that retriever followed by llama-index's own extractive step,
`SentenceEmbeddingOptimizer` (keeps the passages' sentences closest to the question, by the same model).
Each pair (the two retrievers, the two extractive answers) is timed in turns, question by question. Then the same
questions with their options (`choose`), with and without the trained reader reading each option (issue 26: it
takes part in multiple-choice picks only). Prints p50/p95 of each, the ratios to the baseline retriever, and peak
RSS. Goals: ask p50 ≤ 150 ms and ≤ 0.5× baseline; with the reader in the loop, p50 ≤ 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.config import Settings  # noqa: E402
from assistant.runtime import Runtime  # noqa: E402
from index.embedding import OFFLINE_ENV  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "realtimeqa"
CORPUS = SHARED / "articles-2023-01.jsonl.gz"
QUESTIONS = SHARED / "questions-2023H1.jsonl"


def timings(
    runs: dict[str, Callable[[str], object]], questions: list[str], forget: Callable[[], None]
) -> dict[str, list[float]]:
    """Milliseconds per question for each run, taken in turns question by question (the order alternating), so a
    change in machine load between runs lands on both sides of a ratio instead of on one. Before each timed call the
    embedder `forget`s the vectors it kept: every run and question here is timed as if asked for the first time, not
    with the sentences the run before it embedded (a server asked new questions keeps only what recurs)."""
    for run in runs.values():
        run(questions[0])  # warm-up: first-call costs are not the steady state
    found: dict[str, list[float]] = {name: [] for name in runs}
    for turn, question in enumerate(questions):
        names = list(runs) if turn % 2 == 0 else list(reversed(runs))
        for name in names:
            forget()
            started = time.perf_counter()
            runs[name](question)
            found[name].append((time.perf_counter() - started) * 1000)
    return found


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def baselines(runtime: Runtime) -> tuple[Callable[[str], object], Callable[[str], object]]:
    """(retrieve, extractive ask) the plain llama-index way."""
    from llama_index.core import VectorStoreIndex
    from llama_index.core.postprocessor import SentenceEmbeddingOptimizer

    try:
        from llama_index.embeddings.huggingface import HuggingFaceEmbedding
        from llama_index.vector_stores.chroma import ChromaVectorStore
    except ImportError as missing:
        raise SystemExit(f"bench/query.py needs the bench extra ({missing.name}): run `make bench`") from missing

    model = HuggingFaceEmbedding(str(runtime.embedder.model_path))  # the same weights, loaded the llama-index way
    index = VectorStoreIndex.from_vector_store(ChromaVectorStore(chroma_collection=runtime.store.collection), model)
    retriever = index.as_retriever(similarity_top_k=runtime.settings.top_k)
    extract = SentenceEmbeddingOptimizer(embed_model=model, percentile_cutoff=0.2)

    def ask(question: str) -> object:
        return extract.postprocess_nodes(retriever.retrieve(question), query_str=question)

    return retriever.retrieve, ask


def _choosing(runtime: Runtime, options: dict[str, list[str]], reader: bool) -> Callable[[str], object]:
    """A multiple-choice question answered with or without the reader (the answerer's last scoring is forgotten
    first, so neither side reuses the other's work)."""
    answerer = runtime.assistant.answerer
    reading = answerer.reading

    def choose(question: str) -> object:
        answerer.reading, answerer._last = (reading if reader else None), None
        return runtime.assistant.choose(question, options[question])

    return choose


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, default=Path("runs/bench-january-store"))
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    if not (CORPUS.exists() and QUESTIONS.exists()):
        print(f"skipped: {CORPUS} or {QUESTIONS} not found")
        return 0
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    lines = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    january = [q for q in lines if q["date"].startswith("2023/01")][: args.questions]
    questions = [q["question"] for q in january]
    options = {q["question"]: q["choices"] for q in january}
    with Runtime(Settings(store_path=args.store)) as runtime:
        if runtime.store.count() == 0:
            print(f"building the January index at {args.store} (once; minutes) ...", file=sys.stderr)
            print(runtime.ingest([CORPUS], progress=sys.stderr.isatty()).summary(), file=sys.stderr)
        baseline_retrieve, baseline_ask = baselines(runtime)
        forget = runtime.embedder.kept.clear
        measured = timings(
            {
                "baseline llama-index retrieve": baseline_retrieve,
                "newsdesk retrieve": runtime.assistant.retriever.retrieve,
            },
            questions,
            forget,
        ) | timings(
            {"baseline retrieve + extract": baseline_ask, "newsdesk ask (end to end)": runtime.assistant.answer},
            questions,
            forget,
        ) | timings(
            {"newsdesk choose, heuristics": _choosing(runtime, options, False),
             "newsdesk choose, with reader": _choosing(runtime, options, True)},
            questions,
            forget,
        )  # fmt: skip
        chunks = runtime.store.count()
    base = statistics.median(measured["baseline llama-index retrieve"])
    extract = statistics.median(measured["baseline retrieve + extract"])
    print(f"{len(questions)} January questions over {chunks} chunks; p50 ratios to the baseline retriever and to")
    print("the baseline retriever + SentenceEmbeddingOptimizer (the same job as newsdesk ask)")
    for name, values in measured.items():
        p50, p95 = statistics.median(values), percentile(values, 0.95)
        print(f"{name:30} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  ratio {p50 / base:5.2f}  {p50 / extract:5.2f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
