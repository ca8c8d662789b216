"""An exclusive, crash-safe claim on an embedded Chroma directory by one process.

Two processes on one PersistentClient path damage the store (measured: 3 of 3 runs, notes/chroma.md), so every
open of the embedded store takes this lock. It is an OS lock (flock via filelock): the kernel drops it when the
owner dies, so a SIGKILLed owner never leaves a stale lock behind; the owner file only names who holds it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from filelock import FileLock, Timeout

from index.errors import StoreLockedError

LOCK_NAME = "newsdesk.lock"
OWNER_NAME = "newsdesk.owner.json"


class StoreLock:
    def __init__(self, store_dir: Path):
        self.store_dir = store_dir
        self._lock = FileLock(str(store_dir / LOCK_NAME), timeout=0, thread_local=False)
        self._owner: dict = {}

    def acquire(self) -> None:
        try:
            self._lock.acquire()
        except Timeout:
            owner = read_owner(self.store_dir)
            raise StoreLockedError(locked_message(self.store_dir, owner), owner) from None
        self._owner = {
            "pid": os.getpid(),
            "command": " ".join(sys.argv[:3]),
            "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        }
        self._write_owner()

    def announce(self, **facts: str) -> None:
        """Tell later processes more about the owner, e.g. the running app's URL to send files to."""
        self._owner.update(facts)
        self._write_owner()

    def _write_owner(self) -> None:
        (self.store_dir / OWNER_NAME).write_text(json.dumps(self._owner), encoding="utf-8")

    def release(self) -> None:
        if self._lock.is_locked:
            (self.store_dir / OWNER_NAME).unlink(missing_ok=True)
            self._lock.release()


def read_owner(store_dir: Path) -> dict:
    try:
        return json.loads((store_dir / OWNER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def locked_message(store_dir: Path, owner: dict) -> str:
    who = f"process {owner.get('pid', '?')} ({owner.get('command') or 'unknown command'})"
    ways = []
    if owner.get("app_url"):
        ways.append(
            f"it is the newsdesk app at {owner['app_url']}: send it the files with "
            "`newsdesk ingest --via-app PATH...` and it adds them to its index"
        )
    ways += [
        "stop that process and run this again",
        f"share the store through a Chroma server: `chroma run --path {store_dir} --host 127.0.0.1 --port 8000`, "
        "then set NEWSDESK_CHROMA_URL=http://127.0.0.1:8000 for every newsdesk process",
    ]
    return (
        f"the newsdesk store at {store_dir} is in use by {who}. Only one process may open an embedded store at a "
        "time (two at once damage it). Ways out: " + "; or ".join(f"({n}) {w}" for n, w in enumerate(ways, 1)) + "."
    )
