"""Settings: defaults < config.toml < NEWSDESK_* environment variables < CLI flags; built once at the edge."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.answer import MAX_QUOTE_CHARS
from assistant.reader import READER_MIN_EVIDENCE, READER_OPTION_WEIGHT, READER_SHA256, READER_WEIGHT
from assistant.retrieval import LEXICAL_WEIGHT
from index.embedding import DEFAULT_MODEL, DEFAULT_MODEL_SHA256
from index.query_encoder import DEFAULT_QUERY_ENCODER, DEFAULT_QUERY_ENCODER_SHA256

PROJECT_DIR = Path(__file__).resolve().parent.parent


def default_store_path() -> Path:
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "newsdesk" / "store"


def default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsdesk"


def config_file() -> Path:
    return Path(os.environ.get("NEWSDESK_CONFIG", "config.toml"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NEWSDESK_", extra="ignore")

    store_path: Path = Field(default_factory=default_store_path, description="embedded Chroma store directory")
    chroma_url: str = Field("", description="Chroma server URL (e.g. http://127.0.0.1:8000); empty = embedded")
    collection: str = Field("newsdesk", description="Chroma collection name")
    embedding_model: str = Field(DEFAULT_MODEL, description="model package, directory or hub name")
    embedding_sha256: str = Field(DEFAULT_MODEL_SHA256, description="sha256 of model.safetensors; empty = skip")
    query_encoder: str = Field(
        DEFAULT_QUERY_ENCODER,
        description="ONNX copy of the embedding model for questions (package, .onnx file or directory);"
        " used only if it agrees with the embedding model; empty = questions go through the embedding model",
    )
    query_encoder_sha256: str = Field(DEFAULT_QUERY_ENCODER_SHA256, description="sha256 of the .onnx; empty = skip")
    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="files made once and reused (the model's ONNX copies for answer sentences and questions)",
    )
    onnx_sentences: bool = Field(
        True,
        description="embed an answer's sentences through an exact ONNX copy of the model (made once in cache_dir):"
        " answering then needs no torch; false = through torch",
    )
    chunk_tokens: int = Field(200, ge=32, le=254, description="max word pieces per chunk (model window: 256)")
    dense_scope: Literal["all", "lead"] = Field(
        "all",
        description="vectors per chunk (all) or one per article, headline + lead, shared by its chunks (lead);"
        " chosen for a new store, which keeps its own",
    )
    max_article_mb: float = Field(5.0, gt=0, description="largest single article (file or JSONL line) ingested")
    ingest_batch_articles: int = Field(64, ge=1, description="articles per embed+upsert round during ingest")
    top_k: int = Field(6, ge=1, le=50, description="passages retrieved per question")
    answer_workers: int = Field(
        2, ge=1, le=64, description="questions computed at once (others queue); raise it for a remote LLM backend"
    )
    hybrid: bool = Field(True, description="fuse BM25 with dense retrieval (false = dense only)")
    lexical_weight: float = Field(
        LEXICAL_WEIGHT, ge=0, le=1, description="BM25's share of the hybrid score, the rest is dense similarity"
    )
    min_evidence: float = Field(
        0.55, ge=0.0, le=1.0, description="best sentence score below which we abstain (calibrated: docs/quality.md)"
    )
    min_focus_similarity: float = Field(
        0.5,
        ge=0.0,
        le=1.0,
        description="abstain when a word the question turns on ('promise', 'replaced') has no word this close in"
        " meaning in the passages (0 = off; calibrated: docs/quality.md)",
    )
    max_quote_chars: int = Field(
        MAX_QUOTE_CHARS, ge=80, le=5000, description="longest quoted sentence; a longer one is cut at a word with …"
    )
    reader_model: Path = Field(
        PROJECT_DIR / "data" / "reader" / "reader-int8.onnx",
        description="trained reader (int8 ONNX cross-encoder, `make reader`); missing = heuristics only, degraded",
    )
    reader_sha256: str = Field(READER_SHA256, description="sha256 of the reader file; empty = skip the check")
    reader_weight: float = Field(
        READER_WEIGHT, ge=0.0, le=5.0, description="the reader's share of a sentence's score (0 = not used)"
    )
    reader_min_evidence: float = Field(
        READER_MIN_EVIDENCE,
        ge=0.0,
        le=1.0,
        description="a quoted sentence must also reach this reader probability (0 = the heuristic bar alone)",
    )
    reader_option_weight: float = Field(
        READER_OPTION_WEIGHT,
        ge=0.0,
        le=5.0,
        description="the reader's share of a multiple-choice pick: how well the sentences naming each option answer"
        " the question with it (0 = not used)",
    )
    llm_backend: Literal["none", "openai", "ollama"] = Field(
        "none", description="none = extractive answers; openai = any OpenAI-compatible server; ollama"
    )
    llm_url: str = Field(
        "", description="LLM server, e.g. http://127.0.0.1:8080/v1 (llama.cpp) or http://127.0.0.1:11434"
    )
    llm_model: str = Field("", description="model name the LLM server knows")
    llm_api_key: str = Field("", description="API key for the LLM server, if it wants one")
    llm_timeout: float = Field(20.0, gt=0, description="seconds to wait for the LLM before the extractive fallback")
    sample_dir: Path = Field(PROJECT_DIR / "data" / "sample", description="articles ingested on first start")
    host: str = Field("127.0.0.1", description="address the app listens on")
    port: int = Field(7860, description="port the app listens on")
    api_token: str = Field(
        "", description="bearer token every route requires (page, widget, Gradio and JSON APIs); empty = no token"
    )
    ui_user: str = Field("", description="login name for the page, widget and APIs; empty = no login")
    ui_password: str = Field("", description="password for that login (with NEWSDESK_UI_USER)")
    session_hours: float = Field(12.0, gt=0, description="how long a login lasts (sessions also end on restart)")
    login_attempts_per_minute: int = Field(5, ge=1, description="wrong logins allowed per client address a minute")
    anonymous_ingest: Literal["auto", "on", "off"] = Field(
        "auto",
        description="may users without credentials add articles: auto = only while the app listens on loopback",
    )
    embed_origins: list[str] = Field(
        default_factory=list, description='intranet origins allowed to embed the chat, e.g. ["http://portal.corp"]'
    )
    max_upload_mb: float = Field(
        50.0, gt=0, description="largest upload request (its files together), checked as it streams"
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1_000_000)

    @property
    def max_article_bytes(self) -> int:
        return int(self.max_article_mb * 1_000_000)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, toml)


SECRETS = frozenset({"llm_api_key", "api_token", "ui_password"})


def describe_settings(settings: Settings) -> list[tuple[str, str, str]]:
    """(environment variable, current value, meaning) rows for `newsdesk settings`; a secret shows only whether it
    is set, so the listing can be pasted into a bug report."""
    rows = []
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        shown = ("(set)" if value else "(empty)") if name in SECRETS else str(value)
        rows.append((f"NEWSDESK_{name.upper()}", shown, info.description or ""))
    return rows
