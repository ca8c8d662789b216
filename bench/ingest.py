"""Ingest throughput against the model's own limit, measured in one run on the same chunks.

    python bench/ingest.py [--corpus ../shared/benchmarks/realtimeqa/articles-2023-01.jsonl.gz] [--limit N]

Prints whole-ingest chunks/s (load, clean, dedupe check, chunk, embed, upsert into a fresh embedded Chroma),
raw SentenceTransformer.encode chunks/s on exactly the same embedding inputs, their ratio and the peak RSS.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from index.articles import Article, load_articles  # noqa: E402
from index.chunking import split_article  # noqa: E402
from index.cleaning import clean_article  # noqa: E402
from index.embedding import SentenceTransformerEmbedder  # noqa: E402
from index.ingest import IngestOptions, embedding_input, ingest  # noqa: E402
from index.store import ChunkStore  # noqa: E402

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared/benchmarks/realtimeqa/articles-2023-01.jsonl.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N articles (0 = all)")
    parser.add_argument("--max-tokens", type=int, default=200)
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"skipped: corpus {args.corpus} not found (it lives in ../shared/benchmarks)")
        return 0
    embedder = SentenceTransformerEmbedder()
    embedder.embed_documents(["warm-up sentence"] * 32)
    with tempfile.TemporaryDirectory() as workdir:
        corpus = write_subset(args.corpus, args.limit, Path(workdir))
        with ChunkStore(Path(workdir) / "store") as store:
            started = time.perf_counter()
            report = ingest([corpus], store, embedder, IngestOptions(max_tokens=args.max_tokens))
            ingest_seconds = time.perf_counter() - started
        inputs = embedding_inputs(corpus, embedder, args.max_tokens)
        started = time.perf_counter()
        embedder.embed_documents(inputs)
        raw_seconds = time.perf_counter() - started
    tokens = sum(embedder.count_tokens(inputs))
    print_figures(report, ingest_seconds, len(inputs), raw_seconds, tokens)
    return 0


def write_subset(corpus: Path, limit: int, workdir: Path) -> Path:
    if not limit:
        return corpus
    subset = workdir / "subset.jsonl"
    with open(subset, "w", encoding="utf-8") as out, _open(corpus) as source:
        out.writelines(itertools.islice(source, limit))
    return subset


def _open(path: Path):
    import gzip

    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def embedding_inputs(corpus: Path, embedder: SentenceTransformerEmbedder, max_tokens: int) -> list[str]:
    """The same inputs ingest embedded: cleaned, deduplicated by content, chunked the same way."""
    seen: set[str] = set()
    inputs: list[str] = []
    for article in load_articles([corpus]):
        if not isinstance(article, Article):
            continue
        cleaned = clean_article(article)
        if cleaned.text in seen:
            continue
        seen.add(cleaned.text)
        inputs += [embedding_input(cleaned, c) for c in split_article(cleaned, embedder.count_tokens, max_tokens)]
    return inputs


def print_figures(report, ingest_seconds: float, chunks: int, raw_seconds: float, tokens: int) -> None:
    ingest_rate = report.chunks_added / ingest_seconds
    raw_rate = chunks / raw_seconds
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles: {report.articles} ({report.duplicates} duplicates, {len(report.errors)} errors)")
    print(
        f"chunks: {report.chunks_added} stored / {chunks} encoded raw; {tokens / max(chunks, 1):.0f} tokens per chunk"
    )
    print(f"whole ingest:  {ingest_rate:8.1f} chunks/s  ({ingest_seconds:.1f} s)")
    print(f"raw encode:    {raw_rate:8.1f} chunks/s  ({raw_seconds:.1f} s, {tokens / raw_seconds:.0f} tokens/s)")
    print(f"ratio ingest/raw: {ingest_rate / raw_rate:.3f}  (goal >= 0.85)")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
