"""The named guards a definition may use (flows.vocabulary.GUARDS), as pure functions of a case's state."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flows.model import CaseState, Flow, Guard


def _lookup(state: CaseState, node_id: str, ref: str) -> Any:
    if ":" in ref:
        other, field = ref.split(":", 1)
        return state.value(other, field)
    return state.value(node_id, ref)


def _answer_is(flow: Flow, state: CaseState, node_id: str, args: Mapping[str, Any]) -> bool:
    return bool(_lookup(state, node_id, args["field"]) == args["value"])


def _answer_in(flow: Flow, state: CaseState, node_id: str, args: Mapping[str, Any]) -> bool:
    return _lookup(state, node_id, args["field"]) in args["values"]


def _specific_form(flow: Flow, state: CaseState, node_id: str, args: Mapping[str, Any]) -> bool:
    forms = _lookup(state, node_id, args["field"]) or []
    return bool(set(forms) & flow.specific_forms)


def _vt_advice_recorded(flow: Flow, state: CaseState, node_id: str, args: Mapping[str, Any]) -> bool:
    """S2.3: for the specific forms, Veilig Thuis advice must be on record; otherwise it holds."""
    if not _specific_form(flow, state, node_id, {"field": args["forms"]}):
        return True
    return args["node"] in state.answers


def _number_between(flow: Flow, state: CaseState, node_id: str, args: Mapping[str, Any]) -> bool:
    value = _lookup(state, node_id, args["field"])
    if not isinstance(value, int):
        return False
    return bool(args.get("min", value) <= value <= args.get("max", value))


def _consultation_taken_up(flow: Flow, state: CaseState, node_id: str, args: Mapping[str, Any]) -> bool:
    return "consultation_taken_up" in state.flags


GUARD_FUNCTIONS: dict[str, Callable[[Flow, CaseState, str, Mapping[str, Any]], bool]] = {
    "answer_is": _answer_is,
    "answer_in": _answer_in,
    "specific_form": _specific_form,
    "vt_advice_recorded": _vt_advice_recorded,
    "consultation_taken_up": _consultation_taken_up,
    "number_between": _number_between,
}


def holds(guard: Guard, flow: Flow, state: CaseState, node_id: str) -> bool:
    return GUARD_FUNCTIONS[guard.name](flow, state, node_id, guard.args)
