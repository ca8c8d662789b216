"""Builds the running system from Settings: the store, the embedding model and the assistant over them."""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from pathlib import Path

import prompts
from assistant.answer import ExtractiveAnswerer, Reading
from assistant.chat import Assistant
from assistant.config import Settings
from assistant.generative import GenerativeAnswerer, build_llm
from assistant.llm_followup import LLMFollowUps
from assistant.reader import load_reader
from assistant.retrieval import Retriever
from index.embedding import OFFLINE_ENV, Embedder, SentenceTransformerEmbedder
from index.errors import EmbeddingModelError
from index.ingest import IngestOptions, IngestReport, ingest
from index.lexical import LexicalIndex
from index.query_encoder import load_query_encoder
from index.sentence_encoder import load_sentence_encoder
from index.store import ChunkStore
from index.uploads import Upload, stage_uploads


def settings_for_store(settings: Settings, recorded: dict[str, str], location: str) -> Settings:
    """The store's own record wins over settings that only choose for a new store: its dense scope is followed (a
    `lead` store queried chunk by chunk would fill the results with one article's shared vector), and a store whose
    vectors another model made is refused, since they are not comparable with this model's."""
    model = recorded.get("embedding_model")
    if model and model != settings.embedding_model:
        raise EmbeddingModelError(
            f"the store at {location} was built with the embedding model {model!r}, not {settings.embedding_model!r}:"
            f" its vectors cannot be compared with another model's. Set NEWSDESK_EMBEDDING_MODEL={model}, or use a"
            " new store (NEWSDESK_STORE_PATH) or collection (NEWSDESK_COLLECTION) for the other model"
        )
    scope = recorded.get("dense_scope")
    return settings.model_copy(update={"dense_scope": scope}) if scope else settings


def load_embedder(settings: Settings) -> SentenceTransformerEmbedder:
    """The embedding model, with its exact ONNX copy for answer sentences and its int8 copy for questions: answering
    then needs no torch. Either copy is left out (with a warning) when it cannot be made or does not agree."""
    model = SentenceTransformerEmbedder(settings.embedding_model, settings.embedding_sha256)
    if settings.onnx_sentences:
        model.sentence_encoder = load_sentence_encoder(model, settings.cache_dir)
    model.query_encoder = load_query_encoder(
        settings.query_encoder, settings.query_encoder_sha256, model, settings.cache_dir
    )
    return model


class Runtime:
    """Owns the open store (and its lock) and the loaded model; one per process, closed on exit."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        for key, value in OFFLINE_ENV.items():
            os.environ.setdefault(key, value)
        self._writing = threading.Lock()  # one ingest at a time; questions keep being answered meanwhile
        recipe = {"embedding_model": settings.embedding_model, "dense_scope": settings.dense_scope}
        self.store = ChunkStore(settings.store_path, settings.chroma_url, settings.collection, recipe)
        try:
            self.settings = settings_for_store(settings, self.store.recipe, self.store.location)
        except EmbeddingModelError:
            self.store.close()
            raise
        if embedder is not None:
            self.embedder = embedder  # a loaded model can be shared (tests, benchmarks) instead of loaded again

    @cached_property
    def embedder(self) -> Embedder:
        return load_embedder(self.settings)

    @cached_property
    def lexical(self) -> LexicalIndex | None:
        if not self.settings.hybrid:
            return None
        return LexicalIndex(self.settings.store_path.expanduser() / f"lexical-{self.settings.collection}")

    @cached_property
    def reading(self) -> Reading | None:
        """The trained reader and how much it counts; None when it is switched off or its file is missing."""
        settings = self.settings
        if settings.reader_weight <= 0 and settings.reader_option_weight <= 0:
            return None
        reader = load_reader(settings.reader_model, settings.reader_sha256)
        if reader is None:
            return None
        return Reading(reader, settings.reader_weight, settings.reader_min_evidence, settings.reader_option_weight)

    def degraded(self) -> str:
        """What a user should know about a weaker answerer: the reader switched on but its file missing."""
        wanted = self.settings.reader_weight > 0 or self.settings.reader_option_weight > 0
        if wanted and self.reading is None:
            return prompts.render("reader_missing.md", path=str(self.settings.reader_model))
        return ""

    @cached_property
    def assistant(self) -> Assistant:
        lead = self.settings.dense_scope == "lead"
        retriever = Retriever(
            self.store,
            self.embedder,
            self.settings.top_k,
            self.lexical,
            lead_vectors=lead,
            lexical_weight=self.settings.lexical_weight,
        )
        answerer = ExtractiveAnswerer(
            self.embedder,
            self.settings.min_evidence,
            self.settings.max_quote_chars,
            self.reading,
            self.settings.min_focus_similarity,
        )
        llm = build_llm(self.settings)
        if llm is None:
            return Assistant(retriever, answerer, self.settings.answer_workers)
        generative = GenerativeAnswerer(llm, answerer, self.settings.llm_url)
        return Assistant(retriever, generative, self.settings.answer_workers, rewrite=LLMFollowUps(llm))

    def ingest(self, paths: Iterable[str | Path], progress: bool = False) -> IngestReport:
        options = IngestOptions(
            self.settings.chunk_tokens,
            self.settings.ingest_batch_articles,
            progress,
            self.settings.dense_scope,
            self.settings.max_article_bytes,
        )
        with self._writing:
            if self.lexical is not None:
                self.lexical.ensure_current(self.store)  # a killed run's change is repaired before this one's
            return ingest(paths, self.store, self.embedder, options, self.lexical)

    def ingest_uploads(self, uploads: Iterable[Upload], max_bytes: int, progress: bool = False) -> IngestReport:
        """Files sent by the browser or the API: staged under their own names, then ingested like files on disk."""
        with tempfile.TemporaryDirectory(prefix="newsdesk-upload-") as folder:
            staged = stage_uploads(uploads, Path(folder), max_bytes)
            report = self.ingest(staged.paths, progress) if staged.paths else IngestReport()
            prefix = folder + os.sep
            report.errors = staged.errors + [replace(e, source=e.source.removeprefix(prefix)) for e in report.errors]
        return report

    def ensure_sample(self) -> str:
        """First start on an empty index ingests the bundled sample so the page answers right away."""
        if self.store.count():
            return ""
        report = self.ingest([self.settings.sample_dir])
        return (
            f"The index was empty: ingested the bundled sample ({report.added} articles, {report.chunks_added} chunks)."
        )

    def close(self) -> None:
        if self.settings.hybrid and "lexical" in self.__dict__ and self.lexical is not None:
            self.lexical.close()
        self.store.close()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
