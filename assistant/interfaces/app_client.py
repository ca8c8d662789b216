"""`newsdesk ingest --via-app`: hand files to the running app's /api/ingest instead of opening its locked store.

One request per file keeps progress honest, keeps same-named files in different folders apart, and lets one bad
file fail alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from index.articles import LoadError, iter_files
from index.errors import NewsdeskError
from index.ingest import IngestReport

_COUNTS = ("articles", "added", "unchanged", "duplicates", "chunks_added", "chunks_skipped")


def send_to_app(app_url: str, paths: Iterable[str | Path], token: str = "", progress: bool = False) -> IngestReport:
    import httpx
    from tqdm import tqdm

    report = IngestReport()
    files = list(iter_files(paths))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    endpoint = app_url.rstrip("/") + "/api/ingest"
    with httpx.Client(timeout=httpx.Timeout(10, read=3600), headers=headers) as client:
        for item in tqdm(files, disable=not progress, unit="file", desc=f"send to {app_url}"):
            if isinstance(item, LoadError):
                report.errors.append(item)
                continue
            with open(item, "rb") as stream:
                try:
                    response = client.post(endpoint, files={"files": (item.name, stream)})
                except httpx.HTTPError as exc:
                    raise NewsdeskError(f"cannot reach the newsdesk app at {app_url}: {exc}") from exc
            if response.status_code == 413:  # over the upload limit: this file is refused, the others still go
                report.errors.append(LoadError(str(item), None, f"refused: {response.json()['detail']}"))
                continue
            if response.status_code not in (200, 422):  # 422: every article in the file refused, named in errors
                raise NewsdeskError(f"the app at {app_url} refused {item}: HTTP {response.status_code} {response.text}")
            _add(report, response.json(), item)
    return report


def _add(report: IngestReport, data: dict, path: Path) -> None:
    for name in _COUNTS:
        setattr(report, name, getattr(report, name) + int(data.get(name, 0)))
    report.seconds += float(data.get("seconds", 0.0))
    for message in data.get("errors", []):  # "name[:line]: problem" from the app; named by the local path here
        found = re.match(rf"{re.escape(path.name)}(?::(\d+))?: (.*)", message, re.S)
        line, problem = (int(found[1]) if found[1] else None, found[2]) if found else (None, message)
        report.errors.append(LoadError(str(path), line, problem))


def ask_app(app_url: str, body: dict, token: str = "") -> dict:
    """`newsdesk ask` / `chat` while the app owns the store: its /api/ask answers, in the CLI's own JSON shape."""
    return _call(app_url, "POST", "/api/ask", token, body)


def app_stats(app_url: str, token: str = "") -> dict:
    return _call(app_url, "GET", "/api/stats", token)


def _call(app_url: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    import httpx

    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = httpx.request(method, app_url.rstrip("/") + path, json=body, headers=headers, timeout=120)
    except httpx.HTTPError as exc:
        raise NewsdeskError(f"cannot reach the newsdesk app at {app_url}: {exc}") from exc
    if response.status_code == 401:
        raise NewsdeskError(f"the app at {app_url} wants credentials: set NEWSDESK_API_TOKEN to its token")
    if response.status_code != 200:
        raise NewsdeskError(f"the app at {app_url} answered HTTP {response.status_code}: {response.text[:500]}")
    return response.json()
