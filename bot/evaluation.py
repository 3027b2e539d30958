"""The yearly evaluation report (C7) for the board: this year against the years before it, from anonymous
counts only. Live cases are counted from the database; purged ones from the counts kept when they went
(storage.figures.year_counts), so that the trend survives the retention purge.

Small counts (1 to 4) are never shown as numbers: they read "<5". Within a group whose parts add up to a
total shown elsewhere, a single "<5" could be worked out by subtraction; the smallest other part is then
hidden too (secondary suppression). Charts draw a "<5" as the interval 1-4, never as a bar of a length.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from zoneinfo import ZoneInfo

from bot.stats import ROUTES, SUPPRESS_BELOW, working_days_between
from flows.model import Flow
from storage import figures as figures_repo
from storage import organisations as org_repo
from storage.figures import CaseDigest

YEARS = 5  # the report's year and the four before it, when there were cases then
STEPS = ("triage", "1", "2", "3", "4", "5")
AF_ANSWER = ("same_day", "next_day", "days_2_5", "over_5", "not_yet")
FEEDBACK = ("yes", "partly", "no")
# The groups of the report: (metric, labels, whether the parts add up to the year's cases).
GROUPS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("route", (*dict.fromkeys(ROUTES.values()), "running"), True),
    ("step", STEPS, True),
    ("af_answer", AF_ANSWER, False),
    ("feedback", FEEDBACK, False),
)

Shown = int | Literal["small", "hidden"]  # a number, "<5" (1 to 4), or hidden beside a "<5"


def af_answer(d: CaseDigest, tz: ZoneInfo) -> str | None:
    """How long the AF took to answer the first consultation request, in working days (None: never asked)."""
    if d.requested_at is None:
        return None
    if d.taken_up_at is None:
        return "not_yet"
    days = working_days_between(d.requested_at.astimezone(tz).date(), d.taken_up_at.astimezone(tz).date())
    return "same_day" if days == 0 else "next_day" if days == 1 else "days_2_5" if days <= 5 else "over_5"


def case_facts(d: CaseDigest, flow: Flow, tz: ZoneInfo) -> dict[tuple[str, str], int]:
    """A case as anonymous counts: (metric, label) -> n. What the purge keeps of it, what a live case adds."""
    facts: Counter[tuple[str, str]] = Counter({("cases", "opened"): 1})
    facts["route", ROUTES.get(d.outcome or "", "running")] += 1
    reached = [flow.nodes[n].step for n in d.nodes if n in flow.nodes]
    order = list(flow.steps)
    facts["step", max(reached, key=order.index) if reached else "triage"] += 1
    if (answer := af_answer(d, tz)) is not None:
        facts["af_answer", answer] += 1
    if d.unanswered:
        facts["reminders", "unanswered"] += d.unanswered
    return dict(facts)


@dataclass
class Year:
    year: int
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    until: dt.date | None = None  # the year so far (the report's own year, while it runs)


def years(session, *, org_id: int, flows: Mapping[int, Flow], year: int, today: dt.date, tz: ZoneInfo) -> list[Year]:
    """The report's year and up to YEARS-1 before it (from the first year with a case), oldest first."""
    first = figures_repo.first_year(session, org_id=org_id) or year
    out = [Year(y, until=today if y == today.year else None) for y in range(max(first, year - YEARS + 1), year + 1)]
    if not out:
        out = [Year(year)]
    start = dt.datetime(out[0].year, 1, 1, tzinfo=tz) - dt.timedelta(days=1)  # a margin for the time zone
    end = dt.datetime(year + 1, 1, 1, tzinfo=tz) + dt.timedelta(days=1)
    by_year = {y.year: y for y in out}
    for d in figures_repo.digests(session, org_id=org_id, start=start, end=end):
        here = by_year.get(d.created_at.astimezone(tz).year)
        if here is None:
            continue
        here.counts.update(case_facts(d, flows[d.flow_version], tz))
    for number, kept in figures_repo.year_counts(session, org_id=org_id, first=out[0].year, last=year).items():
        by_year[number].counts.update(kept)
    for here in out:
        jan, dec = dt.date(here.year, 1, 1), dt.date(here.year, 12, 31)
        feedback = org_repo.feedback_counts(session, org_id=org_id, start=jan, end=dec)
        for answer in FEEDBACK:
            here.counts["feedback", answer] += feedback.get(answer, 0)
    return out


def shown(value: int) -> Shown:
    return "small" if 0 < value < SUPPRESS_BELOW else value


def suppressed(values: list[int], adds_up: bool) -> list[Shown]:
    """One year's group: small counts as "small"; when exactly one is small and the parts add up to a total
    shown elsewhere, the smallest other non-zero part is hidden too, so the small one cannot be worked out."""
    out = [shown(v) for v in values]
    small = [i for i, v in enumerate(out) if v == "small"]
    if len(small) == 1 and adds_up:
        others = [(v, i) for i, v in enumerate(values) if i != small[0] and v > 0]
        if others:
            out[min(others)[1]] = "hidden"
    return out


@dataclass(frozen=True)
class Table:
    metric: str
    labels: tuple[str, ...]
    years: tuple[int, ...]
    cells: tuple[tuple[Shown, ...], ...]  # per label, per year


def tables(figures: list[Year]) -> dict[str, Table]:
    """Every group of the report, suppressed per year: what a table and a chart may show."""
    ys = tuple(y.year for y in figures)
    out = {
        "cases": Table("cases", ("opened",), ys, ((*(shown(y.counts["cases", "opened"]) for y in figures),),)),
        "reminders": Table(
            "reminders", ("unanswered",), ys, ((*(shown(y.counts["reminders", "unanswered"]) for y in figures),),)
        ),
    }
    for metric, labels, adds_up in GROUPS:
        columns = [suppressed([y.counts[metric, label] for label in labels], adds_up) for y in figures]
        cells = tuple(tuple(column[i] for column in columns) for i in range(len(labels)))
        out[metric] = Table(metric, labels, ys, cells)
    return out
