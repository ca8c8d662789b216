"""The fault, load and bad-input suite: a bounded version runs in every CI run, the full one on demand.

    NEWSDESK_RELIABILITY=full make test     # 20 crash trials, longer load waves

Every figure a test measures goes to test-artifacts/reliability.json; docs/reliability.md quotes them.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.conftest import ARTIFACTS

FULL = os.environ.get("NEWSDESK_RELIABILITY", "").lower() == "full"


def bounded(ci: int, full: int) -> int:
    """The count a loop runs: small in every CI run, the issue's full figure on demand."""
    return full if FULL else ci


@pytest.fixture(scope="session")
def figures():
    """Measured numbers by test, merged into test-artifacts/reliability.json when the session ends."""
    found: dict[str, dict] = {}
    yield found
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "reliability.json"
    earlier = json.loads(target.read_text()) if target.exists() else {}
    target.write_text(json.dumps({**earlier, **found, "mode": "full" if FULL else "bounded"}, indent=1) + "\n")
