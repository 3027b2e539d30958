"""The pure engine: given a flow, a case's state, an answer and the time, compute the transition."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from flows.answers import AnswerRejected, FieldError, parse_answer
from flows.deadlines import due_times
from flows.guards import holds
from flows.model import CaseState, Effect, EffectSpec, Flow, Node, Policy, Transition
from flows.vocabulary import ANYTIME_KINDS, DISCLOSURE, HELP_PLAN, ONCE_KINDS, REMINDER_KINDS

DEFAULT_POLICY = Policy()  # the meldcode's own terms; an organisation's settings give their own


class NotAllowed(Exception):
    """The answer cannot be given now, by this person; `code` names why (rendered in Dutch by the bot)."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(code)


def may_answer(node: Node, roles: Iterable[str]) -> bool:
    """B1-B3: staff-only nodes for case members, AF-only for the acting AF, 'together' for either."""
    roles = set(roles)
    if node.actor == "together":
        return bool(roles & {"staff", "af"})
    return node.actor in roles


def start(flow: Flow) -> CaseState:
    return CaseState(node=flow.start)


def reopen(flow: Flow, state: CaseState) -> CaseState:
    """S5.1: a case can always be re-opened with new signals; a new round needs a new consultation."""
    return CaseState(
        node=flow.reopen, outcome=None, answers=state.answers, flags=state.flags - {"consultation_taken_up"}
    )


def take_up_consultation(state: CaseState) -> CaseState:
    return CaseState(
        node=state.node, outcome=state.outcome, answers=state.answers, flags=state.flags | {"consultation_taken_up"}
    )


def _open_node(state: CaseState, now: dt.datetime) -> str:
    """Where an open case is; a closed one takes no answers."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if state.node is None:  # closed
        raise NotAllowed("case_closed")
    return state.node


def _may_answer(node: Node, roles: Iterable[str]) -> None:
    if not may_answer(node, roles):
        raise NotAllowed(f"actor_{node.actor}")


def rules_of(rule: str | None) -> set[str]:
    """The rule ids a node or choice names: "Q4b, S5.1" -> {"Q4b", "S5.1"}."""
    return {part.strip() for part in (rule or "").split(",") if part.strip()}


def help_plan(flow: Flow, state: CaseState) -> Mapping[str, Any]:
    """The help plan agreed at Q4b (the term, the casemanager, …): the latest answer of the node that rules it."""
    for node in flow.nodes.values():
        if "Q4b" in rules_of(node.rule) and node.id in state.answers:
            return state.answers[node.id]
    return {}


def help_term(flow: Flow, state: CaseState) -> dt.date | None:
    """The term agreed for the help (Q4b)."""
    term = help_plan(flow, state).get("term")
    if isinstance(term, str):
        term = dt.date.fromisoformat(term)
    return term if isinstance(term, dt.date) else None


def _q5_at_its_term(flow: Flow, state: CaseState, node: Node, values: Mapping[str, Any], today: dt.date) -> None:
    """Q5 belongs at the term of the help (D2 asks then). Before it only S5.1 applies: new signals that the
    violence goes on lead to a melding at any time, and that reason is recorded (Q5a with a note)."""
    if "Q5" not in rules_of(node.rule):
        return
    term = help_term(flow, state)
    if term is None or today >= term:
        return
    field = next((f for f in node.fields if f.type == "choice"), None)
    if field is None:
        return
    chosen = next((c for c in field.choices if c.id == values.get(field.id)), None)
    shown = f"{term.day}-{term.month}-{term.year}"
    if chosen is None or "Q5a" not in rules_of(chosen.rule):
        raise AnswerRejected({field.id: FieldError("q5_before_term", term=shown)})
    if not values.get("note"):
        raise AnswerRejected({"note": FieldError("s5_1_reason_required", term=shown)})


def _chosen_rules(node: Node, values: Mapping[str, Any]) -> set[str]:
    """The rule ids of the choices picked in this answer ("a" of Q2 -> {"Q2a"})."""
    out: set[str] = set()
    for f in node.fields:
        if f.type == "choice" and (chosen := f.choice(str(values.get(f.id)))) is not None:
            out |= rules_of(chosen.rule)
    return out


def _x1_no_needs_a_reason(state: CaseState, node: Node, values: Mapping[str, Any]) -> None:
    """X1: a child's own disclosure counts as acute for Q2; with one on the case, "no" needs a reason."""
    if DISCLOSURE not in state.flags or "Q2" not in rules_of(node.rule):
        return
    if "Q2a" in _chosen_rules(node, values) and not values.get("note"):
        raise AnswerRejected({"note": FieldError("x1_reason_required")})


def _with_flags(state: CaseState, node: Node, values: Mapping[str, Any]) -> frozenset[str]:
    """A signal the child told themselves (X1) marks the case for good."""
    if node.anytime == "signal" and values.get("kind") == DISCLOSURE:
        return state.flags | {DISCLOSURE}
    return state.flags


def initial_values(flow: Flow, state: CaseState, node: Node) -> dict[str, Any]:
    """What a form shows preselected: the fields' defaults; Q2 at "yes" when the child told it themselves (X1);
    "Veilig Thuis" as who was asked for advice at steps 3 and 4 (S3.1, S4.0); a new help plan starts as the
    current one (Q4b)."""
    out: dict[str, Any] = {f.id: f.default for f in node.fields if f.default is not None}
    if DISCLOSURE in state.flags and "Q2" in rules_of(node.rule):
        for f in node.fields:
            chosen = next((c for c in f.choices if "Q2b" in rules_of(c.rule)), None)
            if f.type == "choice" and chosen is not None:
                out[f.id] = chosen.id
    current = flow.nodes.get(state.node or "")
    if node.anytime == "contact" and current is not None and current.step in ("3", "4"):
        out["with_whom"] = "Veilig Thuis"
    if "Q4b" in rules_of(node.rule) and node.id in state.answers:
        carried = {f.id for f in node.fields if f.required}  # the plan itself, not the note on why it changed
        out.update({k: v for k, v in state.answers[node.id].items() if k in carried})
    return out


def anytime_node(flow: Flow, kind: str) -> Node:
    """The node recorded outside the flow's order: a signal, a contact, or a new help plan (the Q4b node)."""
    if kind == HELP_PLAN:
        node = next((n for n in flow.nodes.values() if "Q4b" in rules_of(n.rule) and n.fields), None)
        if node is None:
            raise NotAllowed("no_help_plan")
        return node
    node = flow.anytime_node(kind) if kind in ANYTIME_KINDS else None
    if node is None:
        raise NotAllowed("unknown_entry")
    return node


def help_runs(flow: Flow, state: CaseState) -> None:
    """Q4b: a term is extended, or the plan changed, by a new help-plan entry while the help runs (the case
    waits for Q5), never by editing the old entry."""
    current = flow.nodes.get(state.node or "")
    if current is None or "Q5" not in rules_of(current.rule) or not help_plan(flow, state):
        raise NotAllowed("help_not_running")


def advance(
    flow: Flow,
    state: CaseState,
    answer: Mapping[str, Any],
    now: dt.datetime,
    *,
    roles: Iterable[str],
    policy: Policy = DEFAULT_POLICY,
    people: Iterable[str] = (),
) -> Transition:
    current = _open_node(state, now)
    node = flow.nodes[current]
    _may_answer(node, roles)
    for guard in node.requires:
        if not holds(guard, flow, state, node.id):
            raise NotAllowed(f"requires_{guard.name}")

    today = now.astimezone(ZoneInfo(policy.timezone)).date()
    values = parse_answer(node, answer, today=today, people=people)
    _q5_at_its_term(flow, state, node, values, today)
    _x1_no_needs_a_reason(state, node, values)
    answered = CaseState(
        node=node.id, answers={**state.answers, node.id: values}, flags=_with_flags(state, node, values)
    )
    route = next(r for r in node.next if all(holds(g, flow, answered, node.id) for g in r.when))
    to, passed = _past_recorded(flow, answered, route.to)
    outcome = flow.outcomes.get(to)

    specs: list[tuple[EffectSpec, str]] = []
    if outcome:
        # Closing a case cancels what is pending; schedules of this same transition (D3) come after.
        specs.append((EffectSpec("cancel_reminders", {"kinds": sorted(REMINDER_KINDS)}), node.id))
    specs += [(spec, node.id) for spec in (*node.effects, *route.effects, *(outcome.effects if outcome else ()))]
    specs += passed
    if not outcome:
        # D6: a case that does not move within a step gets a nudge; every move resets the clock.
        specs += [
            (EffectSpec("cancel_reminders", {"kinds": ["D6"]}), node.id),
            (EffectSpec("schedule_reminder", {"kind": "D6", "to": ["staff"]}), node.id),
        ]
    resolved = (_resolve(spec, answered, nid, now, policy) for spec, nid in specs)
    effects = tuple(e for e in resolved if e is not None)

    flags = answered.flags
    if any(e.name == "request_consultation" for e in effects):
        flags = flags - {"consultation_taken_up"}
    new_state = CaseState(
        node=None if outcome else to,
        outcome=outcome.id if outcome else None,
        answers=answered.answers,
        flags=flags,
    )
    return Transition(node=node.id, values=values, to=to, outcome=outcome, effects=effects, state=new_state)


def route_of(flow: Flow, state: CaseState, node: Node, values: Mapping[str, Any]) -> str:
    """Where an answer with these (parsed) values would lead, unchecked: which questions can share a form."""
    answered = CaseState(node=node.id, answers={**state.answers, node.id: dict(values)}, flags=state.flags)
    route = next(r for r in node.next if all(holds(g, flow, answered, node.id) for g in r.when))
    return _past_recorded(flow, answered, route.to)[0]


def _past_recorded(flow: Flow, state: CaseState, to: str) -> tuple[str, list[tuple[EffectSpec, str]]]:
    """Where the flow goes on: past a node recorded once that is on record already (SISA), by its own routes."""
    passed: list[tuple[EffectSpec, str]] = []
    seen = set()
    while (node := flow.nodes.get(to)) is not None and node.anytime in ONCE_KINDS and node.id in state.answers:
        if node.id in seen:
            break
        seen.add(node.id)
        route = next(r for r in node.next if all(holds(g, flow, state, node.id) for g in r.when))
        passed += [(spec, node.id) for spec in route.effects]
        to = route.to
    return to, passed


def record_anytime(
    flow: Flow,
    state: CaseState,
    kind: str,
    answer: Mapping[str, Any],
    now: dt.datetime,
    *,
    roles: Iterable[str],
    policy: Policy = DEFAULT_POLICY,
    people: Iterable[str] = (),
) -> Transition:
    """Answer an 'anytime' node (a signal, a contact, a new help plan) without moving the case; only its own
    effects apply. A new help plan replaces the pending D2 and D7 of the old one."""
    current = _open_node(state, now)
    node = anytime_node(flow, kind)
    _may_answer(node, roles)
    specs = list(node.effects)
    if kind == HELP_PLAN:
        help_runs(flow, state)
        kinds = sorted({str(e.args["kind"]) for e in node.effects if e.name == "schedule_reminder"})
        specs.insert(0, EffectSpec("cancel_reminders", {"kinds": kinds}))
    today = now.astimezone(ZoneInfo(policy.timezone)).date()
    values = parse_answer(node, answer, today=today, people=people)
    answered = CaseState(
        node=state.node,
        outcome=state.outcome,
        answers={**state.answers, node.id: values},
        flags=_with_flags(state, node, values),
    )
    resolved = (_resolve(spec, answered, node.id, now, policy) for spec in specs)
    effects = tuple(e for e in resolved if e is not None)
    return Transition(node=node.id, values=values, to=current, outcome=None, effects=effects, state=answered)


def _field_value(state: CaseState, node_id: str, ref: str) -> Any:
    if ":" in ref:
        other, field = ref.split(":", 1)
        return state.value(other, field)
    return state.value(node_id, ref)


def _resolve(spec: EffectSpec, state: CaseState, node_id: str, now: dt.datetime, policy: Policy) -> Effect | None:
    """The effect with its arguments worked out; None for a reminder counted from a date nobody gave (D8 when no
    SISA signal was given)."""
    if spec.name != "schedule_reminder":
        return Effect(spec.name, dict(spec.args))
    anchor = _field_value(state, node_id, spec.args["from"]) if "from" in spec.args else None
    if "from" in spec.args and anchor in (None, []):
        return None
    until = _field_value(state, node_id, spec.args["until"]) if "until" in spec.args else None
    # D5 of a request "vandaag nog" escalates within office hours (the request node's urgency field).
    urgent = spec.args["kind"] == "D5" and _field_value(state, node_id, "urgency") == "today"
    due = due_times(spec.args["kind"], now=now, policy=policy, anchor=anchor, until=until, urgent=urgent)
    return Effect(
        "schedule_reminder",
        {"kind": spec.args["kind"], "to": list(spec.args["to"]), "due": [d.astimezone(dt.UTC) for d in due]},
    )
