"""Evaluation figures (C7): anonymous counts per period, with small counts suppressed so no case stands out."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import statistics
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.texts import Texts
from flows.answers import parse_date
from flows.model import Flow
from flows.workdays import is_working_day
from storage import cases as case_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo

SUPPRESS_BELOW = 5  # counts of 1-4 are shown as "<5": small groups could point at a child

# Outcome -> route (a text key under stats.labels); a case without an outcome is still running.
ROUTES = {
    "out_of_scope.professional": "out_of_scope",
    "out_of_scope.pupils": "out_of_scope",
    "closed_no_action": "closed_no_action",
    "help_closed": "help",
    "reported": "melding",
}
GROUPS = ("cases", "forms", "routes", "step_days", "vt", "feedback", "deadlines")

FEEDBACK_ANSWERS = ("yes", "partly", "no")


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    rows: list[tuple[str, str, int | None]] = field(default_factory=list)  # (group key, label, value)
    titles: dict[str, str] = field(default_factory=dict)  # group key -> its title, in the asker's language
    words: dict[str, str] = field(default_factory=dict)  # the chart's axis text and its empty notice

    def add(self, group: str, label: str, value: int | None) -> None:
        self.rows.append((group, label, value))


def shown(value: int | None) -> str:
    if value is None:
        return "-"
    return f"<{SUPPRESS_BELOW}" if 0 < value < SUPPRESS_BELOW else str(value)


def working_days_between(a: dt.date, b: dt.date) -> int:
    days, day = 0, a
    while day < b:
        day += dt.timedelta(days=1)
        days += is_working_day(day)
    return days


def compute(
    session,
    *,
    org_id: int,
    flows: Mapping[int, Flow],
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
    texts: Texts | None = None,
) -> Figures:
    """Figures for cases opened from `start` to `end` (inclusive), labelled in the language of `texts`."""
    texts = texts or Texts()
    label = lambda key: texts(f"stats.labels.{key}")  # noqa: E731
    figures = Figures(
        start,
        end,
        titles={g: texts(f"stats.groups.{g}") for g in GROUPS},
        words={w: texts(f"stats.{w}") for w in ("axis", "empty", "csv_header")},
    )
    lo = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    cases = case_repo.opened_between(session, org_id=org_id, start=lo, end=hi)
    figures.add("cases", label("opened"), len(cases))
    forms: dict[str, int] = {}
    routes: dict[str, int] = {}
    step_days: dict[str, list[float]] = {}
    advice = meldingen = 0
    delays: list[int] = []
    for case in cases:
        flow = flows[case.flow_version]
        answers = case_repo.answers(session, case_id=case.id)
        latest = {a.node_id: a.values for a in answers}
        for form in (latest.get("triage.forms") or {}).get("forms", []):
            name = next((c.label for c in flow.forms if c.id == form), form)
            forms[name] = forms.get(name, 0) + 1
        route = label(ROUTES.get(case.outcome or "", "running"))
        routes[route] = routes.get(route, 0) + 1
        advice += "step2.vt_advice" in latest
        if "step5.melding" in latest:
            meldingen += 1
            if "step5.vt_feedback" in latest:
                delays.append(
                    working_days_between(
                        parse_date(latest["step5.melding"]["date"]), parse_date(latest["step5.vt_feedback"]["date"])
                    )
                )
        first: dict[str, dt.datetime] = {}
        for a in answers:
            node = flow.nodes.get(a.node_id)
            if node is not None:
                first.setdefault(node.step, a.created_at)
        ordered = [sid for sid in flow.steps if sid in first]
        for here, nxt in itertools.pairwise(ordered):
            step_days.setdefault(flow.steps[here].title, []).append((first[nxt] - first[here]).total_seconds() / 86400)
    for name, count in sorted(forms.items()):
        figures.add("forms", name, count)
    for name, count in sorted(routes.items()):
        figures.add("routes", name, count)
    for name, values in step_days.items():
        # A median over fewer than 5 cases is not shown: it would describe one or two cases.
        figures.add("step_days", name, round(statistics.median(values)) if len(values) >= SUPPRESS_BELOW else None)
    figures.add("vt", label("advice"), advice)
    figures.add("vt", label("meldingen"), meldingen)
    figures.add(
        "vt", label("feedback_delay"), round(statistics.median(delays)) if len(delays) >= SUPPRESS_BELOW else None
    )
    # C7: the opt-in close-of-case question; anonymous rows, month precision.
    feedback = org_repo.feedback_counts(session, org_id=org_id, start=start, end=end)
    for answer in FEEDBACK_ANSWERS:
        figures.add("feedback", label(f"feedback_{answer}"), feedback.get(answer, 0))
    figures.add(
        "deadlines", label("overdue"), len(reminder_repo.overdue(session, org_id=org_id, now=now, limit=100_000))
    )
    return figures


def as_text(figures: Figures, title: str) -> str:
    lines = [title]
    group = None
    for g, label, value in figures.rows:
        if g != group:
            lines.append(f"{figures.titles.get(g, g)}:")
            group = g
        lines.append(f"  {label}: {shown(value)}")
    return "\n".join(lines)


def as_table(figures: Figures) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """The figures by group, for a chat that lays them out (Slack's fields)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for g, label, value in figures.rows:
        groups.setdefault(figures.titles.get(g, g), []).append((label, shown(value)))
    return tuple((title, tuple(rows)) for title, rows in groups.items())


def as_csv(figures: Figures) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(figures.words["csv_header"].split(","))
    for group, label, value in figures.rows:
        writer.writerow(
            [figures.start.isoformat(), figures.end.isoformat(), figures.titles.get(group, group), label, shown(value)]
        )
    return out.getvalue()
