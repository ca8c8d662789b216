"""Typed errors of newsdesk: the message says what was expected, what was found and how to fix it."""


class NewsdeskError(Exception):
    """Base of every error newsdesk raises on purpose; edges (CLI, UI, API) translate these."""


class ArticleFormatError(NewsdeskError):
    """An input file or line cannot be read as an article."""


class EmbeddingModelError(NewsdeskError):
    """The embedding model is missing, unreadable or not the one configured."""


class StoreUnavailableError(NewsdeskError):
    """The Chroma store cannot be reached or opened."""


class StoreLockedError(StoreUnavailableError):
    """Another process owns the embedded store; `owner` is what it wrote about itself (pid, command, app_url)."""

    def __init__(self, message: str, owner: dict | None = None):
        super().__init__(message)
        self.owner = owner or {}
