"""Enumerate every path through a flow by driving the real engine with answers for each branch."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flows.answers import is_asked
from flows.engine import NotAllowed, advance, help_term, rules_of, take_up_consultation
from flows.model import CaseState, Field, Flow, Node

NOW = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)  # a Monday
ROLES = frozenset({"staff", "af"})


@dataclass(frozen=True)
class Path:
    steps: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]  # (node, sorted answer items)
    outcome: str
    effects: tuple[str, ...]

    def answered(self, node: str, field: str | None = None, value: Any = None) -> bool:
        return any(nid == node and (field is None or dict(items).get(field) == value) for nid, items in self.steps)

    @property
    def nodes(self) -> list[str]:
        return [nid for nid, _ in self.steps]


def routing_fields(flow: Flow) -> set[tuple[str, str]]:
    """(node, field) pairs that some route guard reads; only these need every value tried."""
    out = set()
    for node in flow.nodes.values():
        for route in node.next:
            for guard in route.when:
                ref = guard.args.get("field")
                if ref:
                    out.add(tuple(ref.split(":", 1)) if ":" in ref else (node.id, ref))
    return out


def sample(field: Field) -> Any:
    if field.type == "date":
        return "1-3-2026" if field.dates != "future" else "1-6-2026"
    if field.type == "date_list":
        return "1-6-2026, 1-9-2026"
    if field.type == "number":
        return "13"
    if field.type == "person":
        return {"name": "Casemanager wijkteam"}
    if field.type == "yes_no":
        return "ja"
    if field.type in ("choice", "multi_choice"):
        return field.choices[0].id
    return "ingevuld"


def variants(flow: Flow, node: Node, routing: set) -> Iterator[dict[str, Any]]:
    options = []
    for field in node.fields:
        if (node.id, field.id) in routing:
            if field.type == "choice":
                options.append([(field.id, c.id) for c in field.choices])
            elif field.type == "yes_no":
                options.append([(field.id, "ja"), (field.id, "nee")])
            elif field.type == "number":
                # S5.3 routes by age: under 12, 12 to 15, 16 and older.
                options.append([(field.id, age) for age in ("8", "13", "17")])
            elif field.type == "multi_choice":
                specific = sorted(flow.specific_forms)
                plain = [c.id for c in field.choices if c.id not in flow.specific_forms]
                options.append([(field.id, [plain[0]]), (field.id, [plain[0], specific[0]])])
            else:
                options.append([(field.id, sample(field))])
        else:
            options.append([(field.id, sample(field))])
    for combo in itertools.product(*options):
        answer = dict(combo)
        kept = {}
        for field in node.fields:  # drop conditional fields whose condition does not hold
            probe = {k: (True if v == "ja" else False if v == "nee" else v) for k, v in kept.items()}
            if is_asked(field, probe) and field.id in answer:
                kept[field.id] = answer[field.id]
        yield kept


def enumerate_paths(flow: Flow, *, max_visits: int = 2, twice: frozenset[str] = frozenset()) -> list[Path]:
    """`max_visits` per node, or two for the nodes in `twice` (a loop back to a menu)."""
    routing = routing_fields(flow)
    paths: list[Path] = []

    def walk(state: CaseState, trail: tuple, effects: tuple, visits: dict) -> None:
        node = flow.nodes[state.node]
        if visits.get(node.id, 0) >= (2 if node.id in twice else max_visits):
            return
        visits = {**visits, node.id: visits.get(node.id, 0) + 1}
        # Q5 is answered at the term of the help (the engine refuses it before), the rest at once.
        term = help_term(flow, state) if "Q5" in rules_of(node.rule) else None
        now = dt.datetime.combine(term, NOW.timetz()) if term else NOW
        for answer in variants(flow, node, routing):
            current = state
            try:
                t = advance(flow, current, answer, now, roles=ROLES)
            except NotAllowed as exc:
                if exc.code != "requires_consultation_taken_up":
                    raise
                current = take_up_consultation(current)
                t = advance(flow, current, answer, now, roles=ROLES)
            names = effects + tuple(e.name for e in t.effects)
            if t.outcome:
                paths.append(
                    Path(
                        (*trail, (node.id, tuple(sorted(t.values.items(), key=lambda kv: kv[0])))), t.outcome.id, names
                    )
                )
            else:
                walk(t.state, (*trail, (node.id, tuple(sorted(t.values.items(), key=lambda kv: kv[0])))), names, visits)

    walk(CaseState(node=flow.start), (), (), {})
    return paths
