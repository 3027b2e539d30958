"""Immutable dataclasses for a loaded flow definition and a case's state within it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Guard:
    name: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class EffectSpec:
    name: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    rule: str | None = None


@dataclass(frozen=True)
class Condition:
    """A field is asked (and required) only when another field of the same node has one of these values."""

    field: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Field:
    id: str
    type: str
    label: str
    hint: str | None = None
    required: bool = True
    choices: tuple[Choice, ...] = ()
    when: Condition | None = None
    min: int | None = None
    max: int | None = None
    dates: str = "any"  # past | future | any, for date and date_list
    max_length: int = 3000
    default: Any = None  # the value when the answer leaves the field out (shown preselected)

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)


@dataclass(frozen=True)
class Route:
    to: str
    when: tuple[Guard, ...] = ()
    effects: tuple[EffectSpec, ...] = ()


@dataclass(frozen=True)
class Node:
    id: str
    step: str
    actor: str
    title: str
    prompt: str | None
    why: str | None
    rule: str | None
    fields: tuple[Field, ...]
    requires: tuple[Guard, ...]
    effects: tuple[EffectSpec, ...]
    next: tuple[Route, ...]
    anytime: str | None = None

    def field(self, field_id: str) -> Field:
        return next(f for f in self.fields if f.id == field_id)


@dataclass(frozen=True)
class Outcome:
    id: str
    title: str
    status: str
    rule: str | None
    message: str | None
    effects: tuple[EffectSpec, ...]


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    why: str | None


@dataclass(frozen=True)
class Flow:
    id: str
    version: int
    title: str
    start: str
    reopen: str
    forms: tuple[Choice, ...]
    specific_forms: frozenset[str]
    steps: Mapping[str, Step]
    nodes: Mapping[str, Node]
    outcomes: Mapping[str, Outcome]

    def is_outcome(self, target: str) -> bool:
        return target in self.outcomes

    def anytime_node(self, kind: str) -> Node | None:
        return next((n for n in self.nodes.values() if n.anytime == kind), None)


@dataclass(frozen=True)
class CaseState:
    """What the engine needs to know about a case: where it is and what was answered (latest per node)."""

    node: str | None
    outcome: str | None = None
    answers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    flags: frozenset[str] = frozenset()

    @property
    def closed(self) -> bool:
        return self.node is None

    def value(self, node_id: str, field_id: str, default: Any = None) -> Any:
        return self.answers.get(node_id, {}).get(field_id, default)


@dataclass(frozen=True)
class Effect:
    """An effect with its arguments resolved against the answer and the clock."""

    name: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class Transition:
    node: str
    values: Mapping[str, Any]
    to: str
    outcome: Outcome | None
    effects: tuple[Effect, ...]
    state: CaseState


@dataclass(frozen=True)
class Policy:
    """Organisation settings the engine needs for deadlines (spec D1-D9)."""

    timezone: str = "Europe/Amsterdam"
    reminder_hour: int = 9
    d1_working_days: int = 5
    d1b_weeks: int = 10
    d2_lead_days: int = 5
    d4_days: int = 14
    d5_working_days: int = 1
    d6_days: int = 10
    d7_weeks: int = 4
    d8_lead_days: int = 60
    d9_days: int = 5  # D9: the directie of an out-of-scope case not yet informed (T1, T2)
    d5_urgent_hours: int = 2  # a request "vandaag nog" escalates after this many office hours (X6)
    office_hours: tuple[dt.time, dt.time] = (dt.time(8, 30), dt.time(17, 0))
    extra_closed_days: tuple[dt.date, ...] = ()
