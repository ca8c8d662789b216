"""`python -m assistant.training`: make the reader's examples, train it, ship it (`make reader` runs all three).

python -m assistant.training examples QUESTIONS.jsonl --split dev --out work/dev.jsonl   # NEWSDESK_STORE_PATH
python -m assistant.training synthetic ARTICLES.jsonl.gz --out work/synthetic.jsonl
python -m assistant.training train work/dev.jsonl work/sample.jsonl work/synthetic.jsonl --out data/reader
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from assistant.config import Settings
from assistant.evaluation.questions import EvalQuestion, load_questions
from assistant.evaluation.splits import SPLITS, in_split
from assistant.runtime import Runtime
from assistant.training.examples import (
    Example,
    before_the_news,
    examples_for,
    option_examples,
    read_examples,
    write_examples,
)

SEED = 13
SYNTHETIC_QUESTIONS = 2400  # ~12.7k pairs; with the dev and sample pairs one epoch took 18.8 min on 2 cores
HELD_OUT_FROM = "2023-04-01"  # dev questions from this day on check the training, not feed it (still dev: tunable)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assistant.training", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    steps = parser.add_subparsers(dest="step", required=True)
    make = steps.add_parser("examples", help="label the sentences retrieved for each question of a set")
    make.add_argument("questions", nargs="+", metavar="QUESTIONS.jsonl")
    make.add_argument("--split", choices=sorted(SPLITS), help="only questions asked in it (never `test`)")
    make.add_argument("--sample", action="store_true", help="ingest the bundled sample into the store first")
    make.add_argument("--earlier", action="store_true", help="also ask each question before its news (negatives)")
    make.add_argument("--choices", action="store_true", help="also ('question + option', sentence) pairs")
    make.add_argument("--out", required=True, type=Path)
    made_up = steps.add_parser("synthetic", help="questions made from the corpus's own sentences (to 2023-06-30)")
    made_up.add_argument("articles", nargs="+", metavar="ARTICLES", help="article files or folders, as for ingest")
    made_up.add_argument("--questions", type=int, default=SYNTHETIC_QUESTIONS, help="how many, drawn at random")
    made_up.add_argument("--out", required=True, type=Path)
    fit = steps.add_parser("train", help="fine-tune, export to int8 ONNX, check it, write the model card")
    fit.add_argument("examples", nargs="+", type=Path)
    fit.add_argument("--out", required=True, type=Path, help="folder of the shipped reader (data/reader)")
    fit.add_argument("--work", type=Path, default=Path("runs/reader"), help="where the float model is kept")
    fit.add_argument("--epochs", type=int, default=1)
    args = parser.parse_args(argv)
    if args.step == "examples":
        if args.split == "test":
            parser.error("the test split is never trained on")
        return _examples(args)
    if args.step == "synthetic":
        return _synthetic(args)
    return _train(args)


def _examples(args: argparse.Namespace) -> int:
    settings = Settings()
    rng = random.Random(SEED)
    questions: list[EvalQuestion] = []
    for path in args.questions:
        loaded = load_questions(Path(path)).questions
        questions += in_split(loaded, args.split) if args.split else loaded
    with Runtime(settings) as runtime:
        if args.sample:
            runtime.ensure_sample()
        retriever = runtime.assistant.retriever

        def made() -> Iterator[Example]:
            for number, question in enumerate(questions, start=1):
                yield from examples_for(retriever, question, question.asked_on, rng)
                if question.choices and args.choices:
                    yield from option_examples(retriever, question, question.asked_on, rng)
                if question.asked_on is not None and args.earlier:
                    yield from before_the_news(retriever, question, question.asked_on, rng)
                if number % 50 == 0:
                    print(f"{number}/{len(questions)} questions", file=sys.stderr)

        count = write_examples(args.out, made())
    print(f"wrote {count} examples from {len(questions)} questions to {args.out}", file=sys.stderr)
    return 0


def _synthetic(args: argparse.Namespace) -> int:
    from assistant.training.synthetic import some_questions, synthetic_examples
    from index.articles import Article, load_articles
    from index.cleaning import clean_article

    articles = (clean_article(a) for a in load_articles(args.articles) if isinstance(a, Article))
    made = list(synthetic_examples(articles, random.Random(SEED)))
    count = write_examples(args.out, iter(some_questions(made, args.questions, random.Random(SEED))))
    print(f"wrote {count} synthetic examples to {args.out}", file=sys.stderr)
    return 0


def _train(args: argparse.Namespace) -> int:
    from assistant.reader import Reader
    from assistant.training.reader_model import agreement, export_int8, precision_at_1, sha256_of, train
    from index.embedding import SentenceTransformerEmbedder, resolve_model_path

    examples = [e for path in args.examples for e in read_examples(path)]
    held = [e for e in examples if _asked_from(e.source) >= HELD_OUT_FROM]
    fitted = [e for e in examples if e not in held]
    started = time.monotonic()
    base = Path(resolve_model_path(Settings().embedding_model))
    model_dir = train(fitted, base, args.work, SEED, args.epochs)
    minutes = (time.monotonic() - started) / 60
    target = export_int8(model_dir, args.out / "reader-int8.onnx")
    reader = Reader(target, args.out / "tokenizer.json")
    figures = {
        "seed": SEED,
        "epochs": args.epochs,
        "examples": len(fitted),
        "positives": sum(e.label > 0 for e in fitted),
        "held_out_examples": len(held),
        "train_minutes": round(minutes, 1),
        "held_out_p_at_1_reader": round(precision_at_1(reader.scores, held), 3),
        "held_out_p_at_1_bi_encoder": round(precision_at_1(_cosine(SentenceTransformerEmbedder(str(base))), held), 3),
        "int8_max_probability_gap": round(agreement(reader, model_dir, held[:200]), 4),
        "bytes": target.stat().st_size,
        "sha256": sha256_of(target),
    }
    (args.out / "training.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=1))
    return 0


def _cosine(embedder):  # noqa: ANN001, ANN202 - the baseline scorer: the answerer's own closeness in meaning
    def score(question: str, sentences: Sequence[str]) -> list[float]:
        vectors = embedder.embed_sentences([question, *sentences])
        return [sum(a * b for a, b in zip(vectors[0], v, strict=True)) for v in vectors[1:]]

    return score


def _asked_from(source: str) -> str:
    """RealTimeQA ids start with the day (20230406_3); the sample sets' ids do not and are never held out."""
    day = source[:8]
    return f"{day[:4]}-{day[4:6]}-{day[6:]}" if day.isdigit() else ""


if __name__ == "__main__":
    raise SystemExit(main())
