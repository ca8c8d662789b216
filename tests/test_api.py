"""The JSON API: README's curl examples run as printed, the OpenAI shape, the bearer token and bad requests."""

import json
import re
import shutil
import subprocess

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.interfaces.access import AccessPolicy, Credentials
from assistant.interfaces.api import build_router
from tests.conftest import PROJECT, UN_ARTICLE, XI_ARTICLE

README_URL = "http://127.0.0.1:7860"


def readme_curl_commands() -> list[str]:
    """Every `curl` command in README.md, joined across its backslash-continued lines."""
    text = (PROJECT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, re.S)
    commands = [c for block in blocks for c in block.replace("\\\n", " ").splitlines() if c.startswith("curl ")]
    assert len(commands) >= 5, commands
    return commands


def run_curl(command: str, base: str) -> str:
    if not shutil.which("curl"):
        pytest.fail("curl is not installed (apt-get install curl)")
    done = subprocess.run(
        ["bash", "-c", command.replace(README_URL, base)], cwd=PROJECT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_readme_curl_examples_work_as_printed(running_app):
    outputs = {command: run_curl(command, running_app.url) for command in readme_curl_commands()}
    ask, follow_up, choice, completion, stream, ingest = outputs.values()

    data = json.loads(ask)
    assert not data["abstained"] and data["citations"][0]["article_id"] == XI_ARTICLE
    assert {"article_id", "title", "date", "url", "start", "end", "quote"} <= set(data["citations"][0])

    data = json.loads(follow_up)
    assert data["standalone_question"] == "What else did Xi and Medvedev discuss?"
    assert data["retrieved"][0]["article_id"] == XI_ARTICLE

    data = json.loads(choice)["choice"]
    assert data["option"] == "Zhang Jun" and data["index"] == 1
    assert data["citation"]["article_id"] == UN_ARTICLE and "Zhang Jun" in data["citation"]["quote"]

    data = json.loads(completion)
    assert data["object"] == "chat.completion" and "Zhang Jun" in data["choices"][0]["message"]["content"]
    assert data["citations"][0]["article_id"] == UN_ARTICLE

    events = [line[6:] for line in stream.splitlines() if line.startswith("data: ")]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    streamed = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks)
    assert len(chunks) > 5 and "Medvedev" in streamed
    assert (
        chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["citations"][0]["article_id"] == XI_ARTICLE
    )

    data = json.loads(ingest)
    assert data["articles"] == 1 and data["unchanged"] == 1 and data["errors"] == []


@pytest.fixture(scope="module")
def guarded_api(sample_runtime):
    settings = Settings(api_token="s3cret", max_upload_mb=0.001)
    app = FastAPI()
    app.add_middleware(AccessPolicy, settings=settings, credentials=Credentials(settings))
    app.include_router(build_router(lambda: sample_runtime, settings))
    return TestClient(app)


def test_bearer_token_is_required_when_configured(guarded_api):
    question = {"question": "What did Xi tell Medvedev?"}
    assert guarded_api.post("/api/ask", json=question).status_code == 401
    wrong = guarded_api.post("/api/ask", json=question, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = guarded_api.post("/api/ask", json=question, headers={"Authorization": "Bearer s3cret"})
    assert right.status_code == 200 and right.json()["citations"][0]["article_id"] == XI_ARTICLE


def test_bad_questions_get_clear_errors(guarded_api):
    auth = {"Authorization": "Bearer s3cret"}
    empty = guarded_api.post("/api/ask", json={"question": "   "}, headers=auth)
    assert empty.status_code == 422 and "empty" in empty.json()["detail"]
    huge = guarded_api.post("/api/ask", json={"question": "why " * 25_000}, headers=auth)
    assert huge.status_code == 422
    lonely = guarded_api.post("/api/ask", json={"question": "Who?", "choices": ["Zhang Jun"]}, headers=auth)
    assert lonely.status_code == 422 and "between 2 and 26 options" in lonely.json()["detail"]
    no_user = guarded_api.post(
        "/v1/chat/completions", json={"messages": [{"role": "system", "content": "x"}]}, headers=auth
    )
    assert no_user.status_code == 422 and "last message" in no_user.json()["detail"]


def test_uploads_refuse_bad_names_types_and_sizes_by_name(guarded_api, sample_runtime):
    before = sample_runtime.store.count()
    files = [
        ("files", ("../escape.txt", b"Sneaky text that wants to live outside the upload folder.", "text/plain")),
        ("files", ("tool.exe", b"MZ", "application/octet-stream")),
        ("files", ("big.txt", b"word " * 1000, "text/plain")),
    ]
    response = guarded_api.post("/api/ingest", files=files, headers={"Authorization": "Bearer s3cret"})
    report = response.json()
    assert response.status_code == 422 and report["refused"] == 3, report  # nothing read: the client's error
    assert report["added"] == 0 and len(report["errors"]) == 3, report
    escape, exe, big = report["errors"]
    assert escape.startswith("../escape.txt: refused: the file name must be a plain name")
    assert exe.startswith("tool.exe: refused: unsupported file type")
    assert big.startswith("big.txt: refused: larger than the upload limit")
    assert sample_runtime.store.count() == before
    assert not (PROJECT.parent / "escape.txt").exists()
