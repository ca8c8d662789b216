"""The Gradio chat page: `python app.py` serves it, the JSON API and the embed demo on 127.0.0.1:7860."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from datetime import date
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant.config import Settings  # noqa: E402

log = logging.getLogger("newsdesk.app")
EXAMPLES = [
    "What did Xi tell Medvedev?",
    "Who is China's Permanent Representative to the UN?",
    "When will Xi Jinping visit Russia?",
]
UPLOAD_TYPES = [".txt", ".md", ".markdown", ".html", ".htm", ".jsonl", ".ndjson", ".gz"]
NO_LATEX: list = []  # "$5 million and $6 million" is money, not math
# The extractive answer exists whole at once; shown word by word over at most ~1 s it reads like a reply being typed.
WORD_PAUSE, STREAM_SECONDS = 0.03, 1.0
TRACK_TQDM = gr.Progress(track_tqdm=True)  # Gradio reads this default to mirror ingest's tqdm bar on the page


class LazyRuntime:
    """The store and model open on first use, not at import: importing app.py stays cheap."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings
        self.notice = ""  # what the first start did, shown on the page while the index holds just that
        self.sample_chunks = -1
        self._runtime = None
        self._guard = threading.Lock()

    def get(self):
        with self._guard:
            if self._runtime is None:
                from assistant.runtime import Runtime

                self._runtime = Runtime(self.settings or Settings())
            return self._runtime

    def start(self) -> None:
        """Open the store (taking its lock) and ingest the sample when the index is empty."""
        self.notice = self.get().ensure_sample()
        if self.notice:
            log.warning(self.notice)
            self.sample_chunks = self.get().store.count()

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()


def parse_as_of(text: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise gr.Error(f"“As of” must be a date like 2022-12-01, not {text[:40]!r}.") from None


def index_status(lazy: LazyRuntime, compact: bool = False) -> str:
    """Problems on both; the passage count and the first start's notice on the full page only, the notice only while
    the index still holds just the sample (an intranet widget is no place for housekeeping)."""
    from index.errors import NewsdeskError

    try:
        chunks = lazy.get().store.count()
    except NewsdeskError as exc:
        return f"⚠️ The index is unavailable: {exc}"
    degraded = lazy.get().degraded()
    if not chunks:
        empty = "⚠️ **The index is empty.** Add articles with “Add articles” or `newsdesk ingest PATH`, then ask."
        return " ".join(filter(None, [degraded, empty]))
    if compact:
        return degraded
    notice = lazy.notice if chunks == lazy.sample_chunks else ""
    return " ".join(filter(None, [degraded, notice, f"Index: {chunks} passages."]))


def ingest_allowed(lazy: LazyRuntime) -> bool:
    from assistant.interfaces.access import anonymous_ingest_closed

    return not anonymous_ingest_closed(lazy.settings or Settings())


def respond(lazy: LazyRuntime, message: str, history: list, turns: list, cards: dict, as_of_text: str) -> Iterator:
    """Streams the answer, then adds one button per citation; `turns` keeps the raw exchange for follow-ups."""
    from assistant.followup import Turn
    from assistant.interfaces.render import as_literal_markdown, source_card, sources_as_markdown
    from index.errors import NewsdeskError

    if not message.strip():
        raise gr.Error("Type a question about the articles first.")
    as_of = parse_as_of(as_of_text)
    history = history + [{"role": "user", "content": as_literal_markdown(message)}]
    context = [Turn(t["question"], t["answer"]) for t in turns]
    answer = None
    try:
        for answer in lazy.get().assistant.ask_stream(message, as_of, context):
            reply = {"role": "assistant", "content": as_literal_markdown(answer.text)}
            yield history + [reply], sources_as_markdown(answer), turns, cards
            time.sleep(min(WORD_PAUSE, STREAM_SECONDS / max(1, answer.text.count(" "))))
    except (NewsdeskError, ValueError) as exc:
        raise gr.Error(str(exc)) from exc
    if answer is None:
        return
    history = history + [reply]
    cards = {**cards, _turn_key(len(history) - 1): sources_as_markdown(answer)}
    if answer.citations:
        when = f" as of {as_of.isoformat()}" if as_of else ""
        options = [{"label": _option_label(c), "value": c.key} for c in answer.citations]
        history.append({"role": "assistant", "content": f"Open a source{when}:", "options": options})
        cards |= {c.key: source_card(c, answer.passages) for c in answer.citations}
    turns = turns + [asdict(answer.turn())]
    yield history, sources_as_markdown(answer), turns, cards


def _option_label(citation) -> str:
    """Title and the quote's opening words: several citations of one article must be told apart."""
    when = citation.published.isoformat() if citation.published else "undated"
    return f"[{citation.number}] {_clip(citation.title, 48)} · {when} · “{_clip(citation.quote, 40)}”"


def _clip(text: str, width: int) -> str:
    """Cut at a word, never inside one ("Medv…"); a single over-long word is cut as a last resort."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[:width].rsplit(" ", 1)[0] if " " in text[:width] else text[: width - 1]
    return cut.rstrip(" ,;:.-–—") + "…"


def _turn_key(message_index: int) -> str:
    return f"message:{message_index}"


def show_source(cards: dict, evt: gr.SelectData) -> str:
    return cards.get(str(evt.value), "This source is no longer in the conversation.")


def show_turn_sources(cards: dict, evt: gr.SelectData) -> str:
    """Clicking an earlier answer brings back its sources (only the newest answer keeps its buttons)."""
    index = evt.index[0] if isinstance(evt.index, list | tuple) else evt.index
    return cards.get(_turn_key(int(index)), gr.skip())


def add_articles(lazy: LazyRuntime, files: list[str] | None, progress: gr.Progress) -> tuple[str, str]:
    from assistant.interfaces.render import ingest_summary
    from index.errors import NewsdeskError
    from index.uploads import Upload

    if not files:
        raise gr.Error("Choose one or more article files first (.txt .md .html .jsonl .jsonl.gz).")
    progress(0, desc="Reading files")
    uploads = [Upload(Path(name).name, open(name, "rb")) for name in files]  # noqa: SIM115 - closed below
    try:
        runtime = lazy.get()
        report = runtime.ingest_uploads(uploads, runtime.settings.max_upload_bytes, progress=True)
    except NewsdeskError as exc:
        raise gr.Error(str(exc)) from exc
    finally:
        for upload in uploads:
            upload.stream.close()
    return ingest_summary(report), index_status(lazy)


def build_chat(lazy: LazyRuntime, compact: bool = False) -> gr.Blocks:
    """The full page, or (compact) the widget for intranet pages: chat and sources, no upload or date control."""
    with gr.Blocks(title="newsdesk") as demo:
        if compact:
            gr.Markdown("**newsdesk** · answers quoted from the news articles, every sentence cited", elem_id="title")
        else:
            gr.Markdown("## newsdesk\nAsk about the news articles; every answer sentence is quoted and cited.")
        status = gr.Markdown(elem_id="status", latex_delimiters=NO_LATEX)
        turns = gr.State([])
        cards = gr.State({})
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(
                    elem_id="chatbot",
                    buttons=["copy", "copy_all"],
                    height=360 if compact else 520,
                    latex_delimiters=NO_LATEX,
                    feedback_options=None,
                )
                with gr.Row():
                    box = gr.Textbox(
                        elem_id="question", placeholder="Ask a question about the articles…", show_label=False, scale=4
                    )
                    as_of = gr.Textbox(
                        elem_id="as-of",
                        label="As of",
                        placeholder="YYYY-MM-DD",
                        scale=1,
                        visible=not compact,
                        info=None if compact else "only articles published up to this day (undated ones stay)",
                    )
                gr.Examples(EXAMPLES, inputs=box)
            with gr.Column(scale=2, visible=True):
                sources = gr.Markdown(elem_id="sources", latex_delimiters=NO_LATEX)
                if not compact:
                    with gr.Accordion("Add articles", open=False, elem_id="add-articles") as adding:
                        files = gr.File(
                            file_count="multiple", file_types=UPLOAD_TYPES, type="filepath", elem_id="upload"
                        )
                        add = gr.Button("Add to index", elem_id="add-button")
                        added = gr.Markdown(elem_id="upload-report", latex_delimiters=NO_LATEX)

                    def add_files(chosen: list[str] | None, progress=TRACK_TQDM) -> tuple[str, str]:
                        return add_articles(lazy, chosen, progress)

                    add.click(add_files, files, [added, status], api_name="add_articles")

        def ask(message: str, history: list, turns_now: list, cards_now: dict, as_of_text: str) -> Iterator:
            yield from respond(lazy, message, history, turns_now, cards_now, as_of_text)

        # The box empties as soon as a question is sent, as chat pages do, and gets it back if answering fails ("As
        # of" not a date), so nothing typed is lost. A question sent while another is being answered waits for it
        # ("always_last"), and is then read with that answer in the history.
        pending = gr.Textbox(visible=False)  # not a State: API callers of "ask" still pass the question first
        sent = box.submit(lambda question: (question, ""), box, [pending, box], queue=False, api_name=False)
        asked = sent.then(
            ask,
            [pending, chatbot, turns, cards, as_of],
            [chatbot, sources, turns, cards],
            api_name="ask",
            trigger_mode="always_last",
        )
        asked.failure(lambda question: question, pending, box, api_name=False)
        chatbot.option_select(show_source, cards, sources, api_name=False)
        chatbot.select(show_turn_sources, cards, sources, api_name=False)
        chatbot.clear(lambda: ([], {}, ""), None, [turns, cards, sources], api_name=False)
        if compact:
            demo.load(lambda: index_status(lazy, compact=True), None, status, api_name=False)
        else:  # the upload is hidden where the server would refuse it (anonymous users beyond loopback)
            demo.load(lambda: (index_status(lazy), gr.update(visible=ingest_allowed(lazy))), None, [status, adding],
                      api_name=False)  # fmt: skip

    return demo


runtime = LazyRuntime()
demo = build_chat(runtime)
widget = build_chat(runtime, compact=True)


def _share_malloc_arenas() -> None:
    """glibc gives threads their own heap arenas (up to 8 per core); under 32 concurrent sessions each wave of asks
    then left ~100 MB more resident. Two shared arenas keep the server's memory flat; elsewhere this is a no-op."""
    import contextlib
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(-8, 2)  # M_ARENA_MAX


def serve(settings: Settings) -> None:
    import uvicorn

    from assistant.interfaces.web import create_server

    _share_malloc_arenas()
    runtime.settings = settings
    runtime.start()
    local = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    runtime.get().store.announce(app_url=f"http://{local}:{settings.port}")  # `newsdesk ingest` finds the app here
    server = create_server(settings, runtime.get, {"/widget": widget, "/": demo})

    class Announced(uvicorn.Server):
        async def startup(self, sockets=None) -> None:
            await super().startup(sockets)
            if self.started:  # the port is bound: said earlier, a browser (or a test) reading it met a refusal
                log.warning("newsdesk: Running on http://%s:%s (embed demo: /embed, API: /api/ask)", host, port)

    host, port = settings.host, settings.port

    try:
        Announced(uvicorn.Config(server, host=host, port=port, log_level="warning")).run()
    finally:
        runtime.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    serve(Settings())
