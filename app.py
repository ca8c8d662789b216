"""The Gradio chat page: `python app.py` serves it on 127.0.0.1:7860 over the configured store."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from assistant.config import Settings  # noqa: E402

log = logging.getLogger("newsdesk.app")
EXAMPLES = [
    "What did Xi tell Medvedev?",
    "Who is China's Permanent Representative to the UN?",
    "When will Xi Jinping visit Russia?",
]


class LazyRuntime:
    """The store and model open on first use, not at import: importing app.py stays cheap."""

    def __init__(self, settings: Settings | None = None):
        self.settings = settings
        self._runtime = None
        self._guard = threading.Lock()

    def get(self):
        with self._guard:
            if self._runtime is None:
                from assistant.runtime import Runtime

                self._runtime = Runtime(self.settings or Settings())
            return self._runtime

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()


def ensure_sample(runtime) -> str:
    """First start on an empty index ingests the bundled sample so the page answers right away."""
    if runtime.store.count():
        return ""
    report = runtime.ingest([runtime.settings.sample_dir])
    message = (
        f"The index was empty: ingested the bundled sample ({report.added} articles, {report.chunks_added} chunks)."
    )
    log.warning(message)
    return message


def respond(lazy: LazyRuntime, message: str, history: list) -> Iterator[tuple[list, str]]:
    from assistant.render import as_literal_markdown, sources_as_markdown
    from index.errors import NewsdeskError

    if not message.strip():
        raise gr.Error("Type a question about the articles first.")
    history = history + [{"role": "user", "content": as_literal_markdown(message)}]
    try:
        for partial in lazy.get().assistant.ask_stream(message):
            reply = {"role": "assistant", "content": as_literal_markdown(partial.text)}
            yield history + [reply], sources_as_markdown(partial)
    except NewsdeskError as exc:
        raise gr.Error(str(exc)) from exc


def build_app(lazy: LazyRuntime) -> gr.Blocks:
    with gr.Blocks(title="newsdesk") as demo:
        gr.Markdown("## newsdesk\nAsk about the news articles; every answer sentence is quoted and cited.")
        with gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(elem_id="chatbot", buttons=["copy", "copy_all"], height=480)
                box = gr.Textbox(elem_id="question", placeholder="Ask a question about the articles…", show_label=False)
                gr.Examples(EXAMPLES, inputs=box)
            with gr.Column(scale=2):
                sources = gr.Markdown(elem_id="sources")

        def ask(message: str, history: list) -> Iterator[tuple[list, str]]:
            yield from respond(lazy, message, history)

        box.submit(ask, [box, chatbot], [chatbot, sources], api_name="ask").then(lambda: "", None, box)
    return demo


runtime = LazyRuntime()
demo = build_app(runtime)


def serve(settings: Settings) -> None:
    runtime.settings = settings
    ensure_sample(runtime.get())
    try:
        demo.queue().launch(server_name=settings.host, server_port=settings.port, footer_links=[], share=False)
    finally:
        runtime.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    serve(Settings())
