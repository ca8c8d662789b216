"""report.md and a self-contained report.html (inline SVG plots, no scripts, no outside URLs) for an eval run.

The plots are drawn by hand as SVG: the stack has no plotting library, and the report must open offline, anywhere.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from assistant.evaluation.metrics import Outcome

_HEADLINE = [
    "R@1",
    "R@5",
    "R@10",
    "answer_contains",
    "EM",
    "F1",
    "mc_accuracy",
    "citation_support",
    "citation_in_gold",
    "citation_precision",
    "abstention_rate",
    "false_abstention",
    "latency_p50_ms",
    "latency_p95_ms",
]
_FAILED_SHOWN = 50
_GOLD_HEADING = "Gold answer in the passages read"


def _fmt(name: str, value) -> str:
    if value is None:
        return "n/a"
    if "latency" in name:
        return f"{value:.0f} ms"
    return f"{100 * value:.1f}%" if isinstance(value, float) else str(value)


def headline_rows(metrics: dict) -> list[tuple[str, str, str]]:
    rows = []
    for kind, block in metrics.items():
        if kind.startswith("_") or not isinstance(block, dict) or "n" not in block:
            continue
        rows.append((kind, "questions", str(block["n"])))
        rows += [(kind, name, _fmt(name, block[name])) for name in _HEADLINE if name in block]
    return rows


def failed_rows(found: Sequence[Outcome]) -> list[dict]:
    rows = []
    for outcome in found:
        if not outcome.failed:
            continue
        question, prediction = outcome.question, outcome.prediction or {}
        gold = question.answer_text or " | ".join(question.expect_all or question.expect_any) or "(abstain)"
        read_as = prediction.get("standalone_question") or question.question
        asked = question.question if read_as == question.question else f"{question.question} (read as: {read_as})"
        rows.append(
            {
                "id": question.id,
                "question": asked,  # a failed follow-up is judged by its rewrite first
                "gold": gold,
                "answer": prediction.get("answer") or "(abstained)",
                "retrieved": list(dict.fromkeys(prediction.get("retrieved") or []))[:3],
                "hit@5": outcome.hits.get(5),
            }
        )
    return rows


def markdown_report(metrics: dict, found: Sequence[Outcome], title: str) -> str:
    lines = [f"# {title}", "", "| set | metric | value |", "|---|---|---|"]
    lines += [f"| {kind} | {name} | {value} |" for kind, name, value in headline_rows(metrics)]
    lines += ["", "## Recall@k", "", "| k | recall |", "|---|---|"]
    lines += [f"| {k} | {_fmt('r', v)} |" for k, v in metrics.get("recall_curve", {}).items()]
    lines += _gold_in_passages_markdown(metrics)
    for group in ("accuracy_by_kind", "accuracy_by_source"):
        lines += ["", f"## {group.replace('_', ' ').capitalize()}", "", "| group | n | accuracy |", "|---|---|---|"]
        lines += [f"| {name} | {v['n']} | {_fmt('a', v['accuracy'])} |" for name, v in metrics.get(group, {}).items()]
    failed = failed_rows(found)
    lines += ["", f"## Failed questions ({len(failed)}; first {min(len(failed), _FAILED_SHOWN)})", ""]
    lines += ["| id | question | gold | answer | retrieved (top 3 articles) |", "|---|---|---|---|---|"]
    for row in failed[:_FAILED_SHOWN]:
        cells = [row["id"], row["question"], row["gold"], row["answer"][:200], "<br>".join(row["retrieved"])]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def gold_in_passages(found: dict | None) -> tuple[list[tuple[str, str]], str] | None:
    """Where the answers were lost: not retrieved (the gold is in none of the passages read), or there and not read.
    (top k, share) rows and a closing sentence; None when the run recorded nothing of it."""
    if not found or not found.get("n"):
        return None
    rows = [(k, _fmt("g", v)) for k, v in found["at_k"].items()]
    sentence = (
        f"Answered right: {_fmt('g', found['right_when_there'])} of the questions whose gold answer was in the "
        f"passages read ({_fmt('g', found['anywhere'])} of {found['n']}), "
        f"{_fmt('g', found['right_when_missing'])} of the others."
    )
    return rows, sentence


def _gold_in_passages_markdown(metrics: dict) -> list[str]:
    found = gold_in_passages(metrics.get("gold_in_passages"))
    if found is None:
        return []
    rows, sentence = found
    lines = ["", f"## {_GOLD_HEADING}", "", "| top k passages | hold the gold answer |", "|---|---|"]
    return lines + [f"| {k} | {share} |" for k, share in rows] + ["", sentence]


def _gold_in_passages_html(metrics: dict) -> str:
    found = gold_in_passages(metrics.get("gold_in_passages"))
    if found is None:
        return ""
    rows, sentence = found
    esc = html.escape
    body = "".join(f"<tr><td>{esc(k)}</td><td>{esc(share)}</td></tr>" for k, share in rows)
    return (
        f'<section id="gold-in-passages"><h2>{_GOLD_HEADING}</h2><table><tr><th>top k passages</th>'
        f"<th>hold the gold answer</th></tr>{body}</table><p>{esc(sentence)}</p></section>"
    )


def html_report(metrics: dict, found: Sequence[Outcome], title: str) -> str:
    esc = html.escape
    headline = "".join(
        f"<tr><td>{esc(k)}</td><td>{esc(n)}</td><td>{esc(v)}</td></tr>" for k, n, v in headline_rows(metrics)
    )
    curve = [(int(k), v or 0.0) for k, v in metrics.get("recall_curve", {}).items()]
    latencies = [float(o.prediction["latency_ms"]) for o in found if o.prediction and "latency_ms" in o.prediction]
    failed = failed_rows(found)
    failed_html = "".join(
        "<tr>"
        + "".join(f"<td>{esc(str(c))}</td>" for c in (r["id"], r["question"], r["gold"], r["answer"][:300]))
        + f"<td>{'<br>'.join(esc(d) for d in r['retrieved'])}</td></tr>"
        for r in failed[:_FAILED_SHOWN]
    )
    plots = [
        ("Recall@k", line_chart(curve, "k", "recall")),
        ("Latency per question (ms)", histogram(latencies, "ms")),
        ("Accuracy by question kind", bar_chart(_accuracy_bars(metrics, "accuracy_by_kind"))),
        ("Accuracy by source", bar_chart(_accuracy_bars(metrics, "accuracy_by_source"))),
    ]
    figures = "".join(f"<figure><figcaption>{esc(t)}</figcaption>{svg}</figure>" for t, svg in plots)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin: 1rem 0; }} td, th {{ border: 1px solid #ccc; padding: .3rem .5rem; }}
figure {{ display: inline-block; margin: 1rem; vertical-align: top; }} figcaption {{ font-weight: 600; }}
</style></head><body>
<h1>{esc(title)}</h1>
<table><tr><th>set</th><th>metric</th><th>value</th></tr>{headline}</table>
<section id="plots">{figures}</section>
{_gold_in_passages_html(metrics)}
<h2>Failed questions ({len(failed)}; first {min(len(failed), _FAILED_SHOWN)})</h2>
<table id="failed"><tr><th>id</th><th>question</th><th>gold</th><th>answer</th><th>retrieved (top 3)</th></tr>
{failed_html}</table>
</body></html>
"""


def _accuracy_bars(metrics: dict, group: str) -> list[tuple[str, float]]:
    return [(f"{name} (n={v['n']})", v["accuracy"] or 0.0) for name, v in metrics.get(group, {}).items()][:12]


_W, _H, _PAD = 420, 240, 40


def _frame(body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" viewBox="0 0 {_W} {_H}" role="img">'
        f'<rect width="{_W}" height="{_H}" fill="#fff"/>'
        f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - 10}" y2="{_H - _PAD}" stroke="#444"/>'
        f'<line x1="{_PAD}" y1="10" x2="{_PAD}" y2="{_H - _PAD}" stroke="#444"/>{body}</svg>'
    )


def line_chart(points: Sequence[tuple[int, float]], x_label: str, y_label: str) -> str:
    if not points:
        return _frame('<text x="60" y="120">no retrieval-eligible questions</text>')
    xs = [x for x, _ in points]
    span = max(1, max(xs) - min(xs))
    width, height = _W - _PAD - 20, _H - _PAD - 20

    def at(x: int, y: float) -> tuple[float, float]:
        return _PAD + (x - min(xs)) / span * width, _H - _PAD - y * height

    path = " ".join(f"{a:.1f},{b:.1f}" for a, b in (at(x, y) for x, y in points))
    dots = "".join(
        f'<circle cx="{a:.1f}" cy="{b:.1f}" r="3" fill="#2463eb"><title>{x}: {y:.3f}</title></circle>'
        for (x, y), (a, b) in zip(points, (at(x, y) for x, y in points), strict=True)
    )
    ticks = "".join(f'<text x="{at(x, 0)[0]:.1f}" y="{_H - _PAD + 15}" font-size="10">{x}</text>' for x in xs)
    grid = "".join(f'<text x="5" y="{at(xs[0], v)[1] + 4:.1f}" font-size="10">{v:.0%}</text>' for v in (0.0, 0.5, 1.0))
    labels = f'<text x="{_W / 2}" y="{_H - 5}" font-size="11">{x_label}</text>'
    return _frame(
        f'<polyline points="{path}" fill="none" stroke="#2463eb" stroke-width="2"/>{dots}{ticks}{grid}{labels}'
    )


def histogram(values: Sequence[float], unit: str, bins: int = 12) -> str:
    if not values:
        return _frame('<text x="60" y="120">no latencies recorded</text>')
    low, high = min(values), max(values)
    step = (high - low) / bins or 1.0
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int((value - low) / step))] += 1
    width = (_W - _PAD - 20) / bins
    tallest = max(counts)
    bars = "".join(
        f'<rect x="{_PAD + i * width + 1:.1f}" y="{_H - _PAD - c / tallest * (_H - _PAD - 20):.1f}" '
        f'width="{width - 2:.1f}" height="{c / tallest * (_H - _PAD - 20):.1f}" fill="#2463eb">'
        f"<title>{low + i * step:.0f}–{low + (i + 1) * step:.0f} {unit}: {c}</title></rect>"
        for i, c in enumerate(counts)
    )
    axis = (
        f'<text x="{_PAD}" y="{_H - _PAD + 15}" font-size="10">{low:.0f}</text>'
        f'<text x="{_W - 50}" y="{_H - _PAD + 15}" font-size="10">{high:.0f} {unit}</text>'
        f'<text x="5" y="20" font-size="10">{tallest}</text>'
    )
    return _frame(bars + axis)


def bar_chart(bars: Sequence[tuple[str, float]]) -> str:
    if not bars:
        return _frame('<text x="60" y="120">no groups</text>')
    row = (_H - 20) / len(bars)
    body = "".join(
        f'<rect x="{_W * 0.45:.1f}" y="{10 + i * row:.1f}" width="{value * _W * 0.42:.1f}" height="{row * 0.7:.1f}" '
        f'fill="#2463eb"/><text x="4" y="{10 + i * row + row * 0.55:.1f}" font-size="10">'
        f"{html.escape(name[:40])}</text>"
        f'<text x="{_W * 0.45 + value * _W * 0.42 + 3:.1f}" y="{10 + i * row + row * 0.55:.1f}" font-size="10">'
        f"{value:.0%}</text>"
        for i, (name, value) in enumerate(bars)
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img">{body}</svg>'
