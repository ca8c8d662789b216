"""`newsdesk ingest | ask | chat | eval | stats | settings | serve`: the command line; heavy libraries load only inside
the commands."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from typing import Any

from assistant.evaluation.splits import SPLITS

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3

EPILOG = """\
examples:
  newsdesk ingest data/sample                  # the bundled sample articles
  newsdesk ingest feed.jsonl.gz notes/ page.html
  newsdesk ingest --via-app new-articles/        # while `python app.py` runs: the app ingests them
  newsdesk ask "What did Xi tell Medvedev?"
  newsdesk ask --json "Who is China's Permanent Representative to the UN?" | jq .citations
  newsdesk ask --as-of 2022-12-01 "What did China say about talks?"
  newsdesk ask "Who is China's envoy to the UN?" --choice "Wang Yi" --choice "Zhang Jun" --choice "Qin Gang"
  newsdesk chat                                # a conversation: follow-ups ("And Medvedev?") read the history
  printf 'What did Xi tell Medvedev?\\nWhat else did they discuss?\\n' | newsdesk chat --json
  newsdesk eval questions.jsonl --corpus articles.jsonl.gz --out runs/q1 --as-of-question-date
  newsdesk stats
  newsdesk serve                               # the chat page on http://127.0.0.1:7860

Every setting is also an environment variable (NEWSDESK_STORE_PATH, NEWSDESK_CHROMA_URL, ...) or a key in
./config.toml; `newsdesk settings` lists them with their current values.
"""

INGEST_HELP = """\
Cleans, chunks and embeds the articles into the store. JSONL lines carry doc_id or id, title, url, publish_date or
date, and text (RealTimeQA's files load as they are). A malformed line is reported as FILE:LINE and the rest still
loads. Safe to interrupt: run the same command again and it resumes, each chunk stored once.
Exit code: 0 all loaded, 3 some input refused, 1 error.

examples:
  newsdesk ingest data/sample
  newsdesk ingest ../shared/benchmarks/realtimeqa/articles-2023-01.jsonl.gz
  newsdesk ingest --via-app new-articles/       # while the app runs and owns the store
"""

ASK_HELP = """\
Quotes the sentences of the articles that answer the question, each cited [n] with its article, date and character
span, or says the articles don't say and lists the closest passages.

examples:
  newsdesk ask "What did Xi tell Medvedev?"
  newsdesk ask --as-of 2022-11-15 "What did China say at the Security Council?"
  newsdesk ask --json "Who is Zhang Jun?" | jq .citations
  newsdesk ask "Who is China's envoy to the UN?" --choice "Wang Yi" --choice "Zhang Jun"
"""

EVAL_HELP = """\
Answers every question of QUESTIONS.jsonl and scores it. Lines are RealTimeQA's (id, date, question, choices,
answer_index, answer_text, pool_doc_ids) or simple ones (id, question, source, expect_any | expect_all,
kind: single|multi|unanswerable; optional history: the questions asked before, for a follow-up). Writes
OUT/predictions.jsonl as it goes (re-run the same command to resume), then OUT/metrics.json, OUT/report.md and
OUT/report.html. A bad line is reported as FILE:LINE and skipped (exit code 3).

examples:
  newsdesk eval data/calibration/sample-followups.jsonl --corpus data/sample --out runs/follow-ups
  newsdesk eval ../shared/benchmarks/realtimeqa/questions-2023H1.jsonl --as-of-question-date \\
      --corpus ../shared/benchmarks/realtimeqa/articles-2023-01.jsonl.gz --out runs/h1-january
"""


def _with_examples(commands: Any, name: str, summary: str, text: str) -> argparse.ArgumentParser:
    """A command whose description ends in examples: printed with its own line breaks, not rewrapped."""
    return commands.add_parser(
        name, help=summary, description=text, formatter_class=argparse.RawDescriptionHelpFormatter
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsdesk",
        description="Answer questions about news articles with verbatim, cited sentences.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--store", metavar="DIR", help="embedded Chroma store directory (NEWSDESK_STORE_PATH)")
    parser.add_argument("--chroma-url", metavar="URL", help="use a `chroma run` server instead (NEWSDESK_CHROMA_URL)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    ingest = _with_examples(
        commands, "ingest", "add articles (.txt .md .html .jsonl .jsonl.gz, or folders)", INGEST_HELP
    )
    ingest.add_argument("paths", nargs="+", metavar="PATH", help="article files, or folders read recursively")
    ingest.add_argument("--quiet", action="store_true", help="no progress bar")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")
    ingest.add_argument(
        "--via-app",
        action="store_true",
        help="send the files to the running app (its /api/ingest) instead of opening the store it owns",
    )
    ingest.add_argument("--app-url", metavar="URL", help="the app to send to (default: the one that owns the store)")

    ask = _with_examples(commands, "ask", "answer one question with cited sentences", ASK_HELP)
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD", help="only articles up to this day")
    ask.add_argument("--json", action="store_true", help="print the answer, citations and passages as JSON")
    ask.add_argument(
        "--choice",
        action="append",
        metavar="OPTION",
        help="an option of a multiple-choice question (repeat it for each option): newsdesk picks the option the "
        "articles back best and cites the sentence naming it, or says that none names it",
    )

    chat = commands.add_parser(
        "chat",
        help="a conversation in the terminal: follow-ups are read with the earlier questions",
        description="Reads one question per line (typed, or piped in) and answers each with cited sentences. A "
        'follow-up ("What else did they discuss?", "And Medvedev?") is rewritten with the conversation before '
        "retrieval; the rewrite is shown. Type /new to start a new conversation; exit, /quit or Ctrl-D ends it.",
    )
    chat.add_argument("--as-of", type=date.fromisoformat, metavar="YYYY-MM-DD", help="only articles up to this day")
    chat.add_argument(
        "--json",
        action="store_true",
        help="print each turn as one JSON line (standalone_question holds the rewrite)",
    )

    evaluate = _with_examples(
        commands, "eval", "answer a question set (JSONL) and score it: predictions, metrics, report", EVAL_HELP
    )
    evaluate.add_argument("questions", metavar="QUESTIONS.jsonl")
    evaluate.add_argument(
        "--corpus",
        nargs="+",
        metavar="PATH",
        help="ingest these articles first (resumable); R@k then counts only gold articles present in them",
    )
    evaluate.add_argument("--out", default="runs/eval", metavar="DIR", help="output folder (default: runs/eval)")
    evaluate.add_argument("--as-of-question-date", action="store_true", help="evidence up to each question's date")
    evaluate.add_argument(
        "--split",
        choices=sorted(SPLITS),
        help="only questions asked in it: dev = Jan-Apr 2023 (tune here), test = May-Jun 2023 (score, never tune)",
    )
    evaluate.add_argument("--limit", type=int, metavar="N", help="only the first N questions (a quick run)")
    evaluate.add_argument("--quiet", action="store_true", help="no progress bars")

    stats = commands.add_parser(
        "stats",
        help="what the store holds",
        description="Chunks, articles, their date range, and the model and dense scope that built the store.",
    )
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")

    commands.add_parser(
        "settings", help="list every setting: its environment variable, current value and meaning (secrets masked)"
    )
    serve = commands.add_parser("serve", help="start the chat app (same as `python app.py`)")
    serve.add_argument("--host", help="address to listen on (NEWSDESK_HOST, default 127.0.0.1; 0.0.0.0 = all)")
    serve.add_argument("--port", type=int, help="port to listen on (NEWSDESK_PORT, default 7860)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    from assistant.config import Settings
    from index.errors import NewsdeskError

    overrides = {"store_path": args.store, "chroma_url": args.chroma_url}
    settings = Settings(**{key: value for key, value in overrides.items() if value is not None})
    try:
        return COMMANDS[args.command](args, settings)
    except NewsdeskError as exc:
        print(f"newsdesk: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("newsdesk: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


def cmd_ingest(args: argparse.Namespace, settings) -> int:
    from assistant.interfaces.app_client import send_to_app
    from assistant.runtime import Runtime
    from index.errors import StoreLockedError

    progress = not args.quiet and sys.stderr.isatty()
    app_url = (args.app_url or owning_app(settings)) if args.via_app or args.app_url else ""
    if app_url:
        report = send_to_app(app_url, args.paths, settings.api_token, progress)
    else:
        try:
            with Runtime(settings) as runtime:
                report = runtime.ingest(args.paths, progress=progress)
        except StoreLockedError as exc:
            app_url = exc.owner.get("app_url", "")
            if not (app_url and sys.stdin.isatty() and _confirm(f"{exc}\n\nSend the files to {app_url} now? [Y/n] ")):
                raise
            report = send_to_app(app_url, args.paths, settings.api_token, progress)
    for error in report.errors:
        print(f"error: {error}", file=sys.stderr)
    if args.json:
        print(json.dumps({**vars(report), "errors": [str(e) for e in report.errors]}, indent=2))
    else:
        print(report.summary())
    return EXIT_PARTIAL if report.errors else EXIT_OK


def owning_app(settings) -> str:
    from index.errors import NewsdeskError
    from index.store_lock import read_owner

    url = read_owner(settings.store_path.expanduser()).get("app_url", "")
    if not url:
        raise NewsdeskError(
            f"no running newsdesk app owns the store at {settings.store_path}; pass its address: --via-app URL"
        )
    return url


def _confirm(prompt: str) -> bool:
    try:
        return input(prompt).strip().lower() in ("", "y", "yes")
    except EOFError:
        return False


class _Answers:
    """Questions answered from the store, or, while the app owns the store, by that app (its /api/ask and /api/stats
    give the same JSON), so `ask`, `chat` and `stats` work beside a running app instead of refusing."""

    def __init__(self, settings) -> None:
        self.settings = settings
        self.runtime = None
        self.app_url = ""

    def __enter__(self) -> _Answers:
        from assistant.runtime import Runtime
        from index.errors import StoreLockedError

        try:
            self.runtime = Runtime(self.settings)
        except StoreLockedError as exc:
            self.app_url = exc.owner.get("app_url", "")
            if not self.app_url:  # another CLI holds it: nothing to ask, the error says what to do
                raise
            print(f"newsdesk: the app at {self.app_url} has the store open; asking it", file=sys.stderr)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self.runtime is not None:
            self.runtime.close()

    def ask(self, question: str, options: Sequence[str], as_of: date | None, history: Sequence = ()) -> dict:
        from assistant.interfaces.app_client import ask_app
        from assistant.interfaces.asking import ask

        if self.runtime is not None:
            return ask(self.runtime, question, options, as_of, history)
        body = {
            "question": question,
            "choices": list(options),
            "as_of": as_of.isoformat() if as_of else None,
            "history": [{"question": turn.question, "answer": turn.answer} for turn in history],
        }
        return ask_app(self.app_url, body, self.settings.api_token)

    def stats(self) -> dict:
        from assistant.interfaces.app_client import app_stats

        if self.runtime is not None:
            return self.runtime.store.stats().to_dict()
        return app_stats(self.app_url, self.settings.api_token)


def cmd_ask(args: argparse.Namespace, settings) -> int:
    from assistant.chat import normalized_question
    from assistant.interfaces.render import answer_as_text, choice_as_text
    from assistant.question import normalized_choices

    try:  # before the store and the model are opened
        question = normalized_question(args.question)
        options = normalized_choices(args.choice) if args.choice else []
    except ValueError as exc:
        print(f"newsdesk: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with _Answers(settings) as answers:
        data = answers.ask(question, options, args.as_of)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif "choice" in data:
        print(f"{choice_as_text(data['choice'])}\n\n{answer_as_text(data)}")
    else:
        print(answer_as_text(data))
    return EXIT_OK


CHAT_NEW = "/new"
CHAT_QUIT = frozenset({"/quit", "/exit", "quit", "exit", "quit()", "exit()", ":q"})  # what people type to leave a REPL


def cmd_chat(args: argparse.Namespace, settings) -> int:
    from assistant.followup import Turn
    from assistant.interfaces.render import answer_as_text

    typed = sys.stdin.isatty()
    if typed and not args.json:
        print(f"Ask about the articles. Follow-ups use the conversation; {CHAT_NEW} starts over, exit or Ctrl-D ends.")
    history: list[Turn] = []
    with _Answers(settings) as answers:
        for line in _questions(typed):
            if line.lower() in CHAT_QUIT:
                break
            if line == CHAT_NEW:
                history = []
                continue
            try:
                data = answers.ask(line, (), args.as_of, history)
            except ValueError as exc:  # an over-long question: say so and keep the conversation
                print(f"newsdesk: error: {exc}", file=sys.stderr)
                continue
            history.append(Turn(data["standalone_question"], data["answer"]))  # the next follow-up builds on it
            if args.json:
                print(json.dumps(data, ensure_ascii=False), flush=True)
            else:
                rewritten = data["standalone_question"] != data["question"]
                read_as = f"(read as: {data['standalone_question']})\n" if rewritten else ""
                print(f"{read_as}{answer_as_text(data)}\n", flush=True)
    return EXIT_OK


def _questions(typed: bool):
    """Non-blank lines, stripped; a prompt only for a person typing (readline gives them history and editing).
    Ctrl-C ends the conversation like Ctrl-D: there is nothing to resume."""
    if typed:
        import readline  # noqa: F401  (imported for its side effect on input())
    while True:
        try:
            line = input("? " if typed else "").strip()
        except (EOFError, KeyboardInterrupt):
            if typed:
                print()
            return
        if line:
            yield line


def cmd_eval(args: argparse.Namespace, settings) -> int:
    from pathlib import Path

    from assistant.evaluation.questions import load_questions
    from assistant.evaluation.report import html_report, markdown_report
    from assistant.evaluation.runner import EvalOptions, metrics_with_groups, run_eval
    from assistant.evaluation.splits import in_split
    from assistant.runtime import Runtime
    from index.articles import Article, load_articles

    loaded = load_questions(Path(args.questions))
    for error in loaded.errors:
        print(f"error: {error}", file=sys.stderr)
    questions = in_split(loaded.questions, args.split) if args.split else loaded.questions
    questions = questions[: args.limit] if args.limit else questions
    progress = not args.quiet and sys.stderr.isatty()
    options = EvalOptions(Path(args.out), args.as_of_question_date, progress=progress)
    corpus = None
    with Runtime(settings) as runtime:
        if args.corpus:
            print(runtime.ingest(args.corpus, progress=progress).summary(), file=sys.stderr)
            corpus = {item.id for item in load_articles(args.corpus) if isinstance(item, Article)}
        predictions = run_eval(runtime, questions, options)
    metrics, found = metrics_with_groups(predictions, questions, options.ks, corpus)
    metrics["_overall"]["question_errors"] = [str(e) for e in loaded.errors]
    split = f", {args.split} split" if args.split else ""
    title = f"newsdesk eval: {Path(args.questions).name} ({len(questions)} questions{split})"
    (options.out / "metrics.json").write_text(json.dumps(metrics, indent=1), encoding="utf-8")
    (options.out / "report.md").write_text(markdown_report(metrics, found, title), encoding="utf-8")
    (options.out / "report.html").write_text(html_report(metrics, found, title), encoding="utf-8")
    print(markdown_report(metrics, [], title).split("## Failed")[0].rstrip())
    print(f"\nwrote {options.out}/predictions.jsonl, metrics.json, report.md, report.html")
    return EXIT_PARTIAL if loaded.errors else EXIT_OK


def cmd_stats(args: argparse.Namespace, settings) -> int:
    with _Answers(settings) as answers:
        data = answers.stats()
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        width = max(map(len, data))
        for key, value in data.items():
            print(f"{key.replace('_', ' '):>{width}}: {'-' if value == '' else value}")
    return EXIT_OK


def cmd_settings(args: argparse.Namespace, settings) -> int:
    from assistant.config import config_file, describe_settings

    rows = describe_settings(settings)
    width = max(len(variable) for variable, _, _ in rows)
    for variable, value, meaning in rows:
        print(f"{variable:<{width}} = {value}\n{'':<{width}}   {meaning}")
    print(f"\nset by: defaults < {config_file()} < environment variables < command-line flags")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace, settings) -> int:
    import app

    if args.host:
        settings.host = args.host
    if args.port:
        settings.port = args.port
    app.serve(settings)
    return EXIT_OK


COMMANDS = {
    "ingest": cmd_ingest,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "eval": cmd_eval,
    "stats": cmd_stats,
    "settings": cmd_settings,
    "serve": cmd_serve,
}

READ_ONLY = frozenset({"ask", "chat", "stats", "settings"})


def entry() -> None:
    """The `newsdesk` command. A read-only command ends without the interpreter's teardown: freeing Chroma's Rust
    runtime and two onnxruntime sessions took 0.3 s of a 3 s cold `ask`, with nothing left to write (the store is
    closed and its lock released by then; output is flushed first)."""
    args = build_parser().parse_args()
    code = run(args)
    if args.command in READ_ONLY:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
