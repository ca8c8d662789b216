"""Answering without torch: the exact ONNX copy for an answer's sentences, Punkt without nltk's package import."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np

from index.sentence_encoder import is_mean_pooled
from tests.conftest import PROJECT, SAMPLE, XI_ARTICLE, run_cli

HEAVY = ("torch", "sentence_transformers", "transformers", "sklearn", "scipy.stats", "nltk", "llama_index.core")


def sample_sentences() -> list[str]:
    return [
        line.strip() for path in sorted(SAMPLE.glob("*.txt")) for line in path.read_text().splitlines() if line.strip()
    ]


def test_answer_sentences_go_through_the_exact_copy_and_equal_the_torch_models(embedder):
    assert embedder.sentence_encoder is not None
    texts = sample_sentences()[:30] + ["Kyiv", "What did Xi tell Medvedev?"]
    copy, torch = np.asarray(embedder.embed_sentences(texts)), np.asarray(embedder.embed_documents(texts))
    assert float((copy * torch).sum(axis=1).min()) >= 0.99999
    assert float(np.abs(copy - torch).max()) < 1e-5
    assert not np.array_equal(copy, torch)  # it really is onnxruntime answering


def test_a_cold_ask_answers_without_importing_torch(tmp_path):
    """A cold `newsdesk ask` spent ~9 of its ~15 s importing torch and sentence-transformers, ~2 more in nltk (scipy,
    scikit-learn) and llama-index; now none of them is imported."""
    env = {"NEWSDESK_STORE_PATH": str(tmp_path / "store")}
    assert run_cli("ingest", "--quiet", str(SAMPLE), env=env).returncode == 0
    code = (
        "import sys\n"
        "from assistant.interfaces.cli import main\n"
        "main(['ask', '--json', 'What did Xi tell Medvedev?'])\n"
        f"print('HEAVY', [m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    import os

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=120,
                          env={**os.environ, **env})  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer, heavy = done.stdout.rsplit("HEAVY", 1)
    assert heavy.strip() == "[]"
    data = json.loads(answer)
    assert data["citations"][0]["article_id"] == XI_ARTICLE and "Medvedev" in data["answer"]


def test_adding_one_article_imports_no_torch_and_counts_word_pieces_as_transformers_does(tmp_path, embedder):
    """`newsdesk ingest one.txt` spent ~9 s importing torch for one vector: a few texts go through the exact copy,
    and chunking counts word pieces with the tokenizer.json itself (so chunk boundaries stay where they were)."""
    import os

    texts = sample_sentences() + [path.read_text() for path in sorted(SAMPLE.glob("*.txt"))]
    counted = embedder.loaded.tokenizer(texts, add_special_tokens=False, truncation=False, verbose=False)
    assert embedder.count_tokens(texts) == [len(ids) for ids in counted["input_ids"]]
    few = sample_sentences()[:3]
    copy, torch = np.asarray(embedder.embed_documents(few)), embedder.loaded.encode(few, normalize_embeddings=True)
    assert float(np.abs(copy - torch).max()) < 1e-5 and not np.array_equal(copy, torch)
    (tmp_path / "harbour.txt").write_text("Harbour\n\nThe harbour reopened after the storm, the mayor said.\n")
    code = (
        "import sys\n"
        "from assistant.interfaces.cli import main\n"
        f"code = main(['ingest', '--quiet', {str(tmp_path / 'harbour.txt')!r}])\n"
        f"print('HEAVY', code, [m for m in {HEAVY[:3]!r} if m in sys.modules])\n"
    )
    env = {**os.environ, "NEWSDESK_STORE_PATH": str(tmp_path / "store")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=120,
                          env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.rsplit("HEAVY", 1)[1].strip() == "0 []"


def test_punkt_loaded_without_nltks_package_splits_as_nltk_does():
    code = (
        "import sys, re, json\n"
        "from index.chunking import sentence_spans, _punkt\n"
        "from index.english import nltk_cache\n"
        "texts = [p.read_text() for p in sorted(__import__('pathlib').Path('data/sample').glob('*.txt'))]\n"
        "ours = [sentence_spans(t) for t in texts]\n"
        "print('NLTK', 'nltk' in sys.modules)\n"
        "import nltk\n"
        "from nltk.tokenize.punkt import PunktTokenizer\n"
        "nltk.data.path.append(str(nltk_cache()))\n"
        "theirs = PunktTokenizer('english')\n"
        "same = all(list(theirs.span_tokenize(t)) == list(_punkt().span_tokenize(t)) for t in texts)\n"
        "print('SAME', same, sum(map(len, ours)), nltk.word_tokenize('It works, then.'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "NLTK False" in done.stdout  # nltk's own package was never imported for the split
    assert "SAME True" in done.stdout and "['It', 'works', ',', 'then', '.']" in done.stdout  # and nltk still works


def test_a_model_that_is_not_mean_pooled_stays_on_torch(tmp_path):
    (tmp_path / "modules.json").write_text('[{"type": "sentence_transformers.models.Transformer"}]', encoding="utf-8")
    assert not is_mean_pooled(tmp_path)
    assert not is_mean_pooled(tmp_path / "missing")
