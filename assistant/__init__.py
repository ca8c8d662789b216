"""Answering questions about the stored articles: retrieval, extractive answers, citations, chat, CLI."""
