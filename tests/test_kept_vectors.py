"""Sentence vectors kept between calls: each text embedded once, the same vector every time, the memory bounded."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from index.kept_vectors import KeptVectors
from tests.test_answers import _choose


def _counted(embedder):
    """The model's own vectors, and the list of what each call asked it to embed."""
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.asarray(embedder.embed_documents(texts))

    return embed, calls


def test_each_text_is_embedded_once_and_keeps_its_vector(embedder):
    embed, calls = _counted(embedder)
    kept = KeptVectors(embed)
    first = kept.matrix(["Xi told Medvedev about talks.", "Kyiv", "Xi told Medvedev about talks."])
    second = kept.matrix(["Kyiv", "The line will cost 300 million dollars."])
    assert calls == [["Xi told Medvedev about talks.", "Kyiv"], ["The line will cost 300 million dollars."]]
    assert np.array_equal(first[1], second[0]) and np.array_equal(first[0], first[2])
    alone = np.asarray(embedder.embed_documents(["Xi told Medvedev about talks."]))[0]
    assert float(first[0] @ alone) > 0.99999  # what the model gives the text on its own
    assert float(first[0] @ second[1]) < 0.5


def test_the_least_recently_used_go_first_when_full(embedder):
    embed, calls = _counted(embedder)
    kept = KeptVectors(embed, limit=2)
    kept.matrix(["Kyiv"])
    kept.matrix(["Beijing"])
    kept.matrix(["Kyiv"])  # used again: now "Beijing" is the oldest
    kept.matrix(["Moscow"])
    assert len(kept) == 2
    kept.matrix(["Kyiv", "Moscow"])
    kept.matrix(["Beijing"])
    assert calls == [["Kyiv"], ["Beijing"], ["Moscow"], ["Beijing"]]
    assert kept.matrix(["Geneva", "Paris", "Rome"]).shape == (3, 384)  # one call larger than the limit still answers


def test_threads_asking_for_the_same_texts_get_one_vector_each(embedder):
    """Answers run on several threads; a text two of them embed at once keeps the first vector, for both."""
    kept = KeptVectors(lambda texts: np.asarray(embedder.embed_documents(texts)), limit=3)
    texts = ["Kyiv", "Beijing", "Moscow", "Geneva"]
    orders = [texts[n % 4 :] + texts[: n % 4] for n in range(8)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(kept.matrix, orders))
    for order, rows in zip(orders, results, strict=True):
        for row, text in zip(rows, order, strict=True):
            assert float(row @ results[0][texts.index(text)]) > 0.99999, text
    assert len(kept) == 3


def test_a_multiple_choice_question_embeds_each_of_its_sentences_once(sample_runtime, monkeypatch):
    """The answer ranks its sentences, then the pick compares "question + option" with the same sentences and the
    question with the sentences naming each option: before the vectors were kept, the sentences went in three times."""
    encoder = sample_runtime.embedder.sentence_encoder
    embedded: Counter[str] = Counter()
    fresh = encoder.embed_batches

    def counted(texts, batch_size):
        embedded.update(texts)
        return fresh(texts, batch_size)

    monkeypatch.setattr(encoder, "embed_batches", counted)
    options = ["Xi Jinping", "Olaf Scholz", "Charles Michel"]
    choice = _choose(sample_runtime, "Who told Dmitry Medvedev that China is promoting peace talks?", options)
    assert options[choice.index] == "Xi Jinping"
    assert embedded and max(embedded.values()) == 1, embedded.most_common(3)
