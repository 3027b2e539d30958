"""The yearly evaluation report (C7) as a document: its tables and charts (SVG, vector) laid out by an
autoescaped template, in the reader's language, for print (A4) and PDF/A."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from markupsafe import Markup

from bot import evaluation
from bot.charts import bars, plt, svg
from bot.evaluation import Table
from bot.texts import Texts
from flows.model import Flow

CHARTED = ("cases", "route", "step", "af_answer")


def labels(texts: Texts, table: Table) -> list[str]:
    return [texts(f"evaluation.labels.{table.metric}.{label}") for label in table.labels]


def cell(texts: Texts, value: evaluation.Shown) -> str:
    if value == "small":
        return f"<{evaluation.SUPPRESS_BELOW}"
    if value == "hidden":
        return texts("evaluation.hidden_mark")
    return str(value)


def chart(texts: Texts, table: Table) -> Markup:
    """One group as grouped bars, a bar per year (the report's year first, in the palette's first colour)."""
    if table.metric == "cases":  # the trend: a bar per year
        rows, series = [str(y) for y in table.years], [(labels(texts, table)[0], list(table.cells[0]))]
    else:
        rows = labels(texts, table)
        series = [(str(y), [row[j] for row in table.cells]) for j, y in enumerate(table.years)][::-1]
    fig, ax = plt.subplots(figsize=(6.3, 0.5 + 0.32 * len(rows) * max(len(series), 2)))
    bars(ax, rows, series, axis=texts("evaluation.axis"), hidden_mark=texts("evaluation.hidden_mark"))
    return Markup(svg(fig, f"chart-{table.metric}"))


def report_html(
    session,
    *,
    org_id: int,
    org: str,
    flows: Mapping[int, Flow],
    year: int,
    now: dt.datetime,
    tz: ZoneInfo,
    texts: Texts,
    language: str,
) -> str:
    today = now.astimezone(tz).date()
    years = evaluation.years(session, org_id=org_id, flows=flows, year=year, today=today, tz=tz)
    tables = evaluation.tables(years)
    return texts.html(
        "evaluation.html.j2",
        language=language,
        org=org,
        year=year,
        now=now,
        until=years[-1].until,
        years=[y.year for y in years],
        tables=tables,
        rows={m: labels(texts, t) for m, t in tables.items()},
        charts={m: chart(texts, tables[m]) for m in CHARTED},
        small={m: any(v == "small" for cells in t.cells for v in cells) for m, t in tables.items()},
        cell=lambda value: cell(texts, value),
    )
