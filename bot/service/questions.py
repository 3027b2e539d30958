"""Build neutral views (questions, case overviews) from the flow definition and stored rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.messages import FieldView, QuestionView
from bot.texts import Texts
from flows.engine import initial_values
from flows.model import CaseState, Field, Flow, Node
from flows.rules import discuss_melding_with


def discuss_with_text(texts: Texts, state: CaseState) -> str:
    age = state.value("triage.forms", "age")
    who = discuss_melding_with(age)
    if age is None:
        return texts("discuss_with.unknown")
    key = "client_and_parent" if who == {"client", "parent"} else next(iter(who))
    return texts(f"discuss_with.{key}")


def form_value(field: Field, value: Any) -> Any:
    """A typed value as a form shows it preselected: a choice id, ja/nee, an ISO date, a person's id, text."""
    if value is None:
        return None
    if field.type == "yes_no":
        return "ja" if value else "nee"
    if field.type == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if field.type == "date_list":
        return ", ".join(f"{d.day}-{d.month}-{d.year}" if isinstance(d, dt.date) else str(d) for d in value)
    if field.type == "person":
        return value.get("id") or value.get("name") if isinstance(value, dict) else value
    if field.type in ("text", "number"):
        return str(value)
    return value


def question_view(
    texts: Texts, flow: Flow, node: Node, *, code: str, state: CaseState, people: list[tuple[str, str]]
) -> QuestionView:
    context: dict[str, Any] = {"code": code, "discuss_with": discuss_with_text(texts, state)}
    initial = initial_values(flow, state, node)
    fields = []
    for f in node.fields:
        choices = tuple((c.id, c.label) for c in f.choices)
        if f.type == "person":
            choices = tuple(people)
        fields.append(
            FieldView(
                id=f.id,
                type=f.type,
                label=f.label,
                hint=f.hint,
                required=f.required,
                choices=choices,
                when=(f.when.field, f.when.values) if f.when else None,
                max_length=f.max_length,
                initial=form_value(f, initial.get(f.id)),
            )
        )
    step = flow.steps[node.step]
    return QuestionView(
        case_code=code,
        node_id=node.id,
        step_title=step.title,
        title=node.title,
        prompt=texts.render_text(node.prompt, **context) if node.prompt else None,
        why=step.why,
        fields=tuple(fields),
    )


def format_value(texts: Texts, flow: Flow, node: Node, field_id: str, value: Any, people: dict[str, str]) -> str:
    """A stored answer as a person reads it (choice labels, Dutch dates, names)."""
    field = next((f for f in node.fields if f.id == field_id), None)
    if field is None:
        return str(value)
    if field.type == "choice":
        choice = field.choice(str(value))
        return choice.label if choice else str(value)
    if field.type == "multi_choice":
        return ", ".join(choice.label if (choice := field.choice(v)) else v for v in value)
    if field.type == "yes_no":
        return texts(f"yes_no.{'true' if value else 'false'}")
    if field.type == "date":
        return texts.date(dt.date.fromisoformat(value) if isinstance(value, str) else value)
    if field.type == "date_list":
        return ", ".join(texts.date(dt.date.fromisoformat(v) if isinstance(v, str) else v) for v in value)
    if field.type == "person":
        return people.get(value.get("id"), "") if "id" in value else value.get("name", "")
    return str(value)


def form_labels(flow: Flow, state: CaseState) -> list[str]:
    chosen = state.value("triage.forms", "forms") or []
    labels = {c.id: c.label for c in flow.forms}
    return [labels.get(f, f) for f in chosen]
