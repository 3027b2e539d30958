"""Questions that share one form (moment): from the worry to the AF in three screens.

A screen starts at a question and holds the questions that follow it in the flow, as long as the flow would
go there: the triage (scope, then the forms and the age, then the siblings) is one form, the first signal and
the consultation request another. A following question shows once the answers above lead to it (a field of
the question before it decides, as `FieldView.also`); its fields are named `<node id>/<field id>` in the form.
The request may wait ("ask the AF now", on by default): the rest of step 1 goes on, and the request is asked
after. Answering a screen is answering its questions one after the other, in one transaction, each checked by
the engine as when they are asked apart: nothing the meldcode requires is skipped.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.messages import FieldView, QuestionView
from bot.service.questions import question_view
from bot.texts import Texts
from flows import engine
from flows.answers import AnswerRejected, FieldError, parse_yes_no
from flows.model import CaseState, Flow, Node

SEP = "/"
NOW = "now"  # the field of a question that may wait: answer it now (yes) or after the rest of its step


@dataclass(frozen=True)
class Screen:
    nodes: tuple[str, ...]
    later: Mapping[str, str] = field(default_factory=dict)  # node id -> the text key of "answer it now?"


SCREENS = (
    Screen(("triage.scope", "triage.forms", "triage.kindcheck")),
    Screen(("step1.signal", "step2.request"), later={"step2.request": "screens.ask_af_now"}),
)

Condition = tuple[str, tuple[Any, ...]]
_NEVER = ("", ())


def _decider(flow: Flow, state: CaseState, before: Node, target: str) -> Condition | None:
    """Which answer to `before` leads to `target`: None when every answer does, `_NEVER` when none does or more
    than one field decides (then the question is not on the same form)."""
    choosers = [f for f in before.fields if f.type in ("choice", "yes_no") and f.when is None]
    if engine.route_of(flow, state, before, {}) == target and all(
        engine.route_of(flow, state, before, {f.id: v}) == target for f in choosers for v in _values(f)
    ):
        return None
    deciding = []
    for f in choosers:
        leads = tuple(v for v in _values(f) if engine.route_of(flow, state, before, {f.id: v}) == target)
        if leads and len(leads) < len(_values(f)):
            deciding.append((f.id, leads))
    return deciding[0] if len(deciding) == 1 else _NEVER


def _values(f) -> tuple[Any, ...]:
    return (True, False) if f.type == "yes_no" else tuple(c.id for c in f.choices)


def following(flow: Flow, state: CaseState, node: Node) -> list[tuple[Node, Condition | None]]:
    """The questions after `node` on its screen, each with the answer that shows it (None: always)."""
    screen = next((s for s in SCREENS if s.nodes[0] == node.id), None)
    if screen is None:
        return []
    out: list[tuple[Node, Condition | None]] = []
    before, shown = node, None
    for nid in screen.nodes[1:]:
        nxt = flow.nodes.get(nid)
        if nxt is None or nxt.actor != node.actor:
            break
        decided = _decider(flow, state, before, nid)
        if decided == _NEVER or (decided is not None and shown is not None):
            break  # not where the flow goes from here, or decided twice over: asked on its own form
        if decided is not None:
            prefix = "" if before is node else before.id + SEP
            shown = (prefix + decided[0], decided[1])
        out.append((nxt, shown))
        before = nxt
    return out


def later_key(node_id: str) -> str | None:
    return next((s.later[node_id] for s in SCREENS if node_id in s.later), None)


def part_view(texts: Texts, view: QuestionView, shown: Condition | None) -> QuestionView:
    """A following question as part of the form: its fields named by node, shown once it applies; a question
    that may wait gets "answer it now?" first (yes by default), its own fields shown while that is yes."""
    nid = view.node_id

    def named(f: FieldView) -> FieldView:
        return dataclasses.replace(
            f, id=f"{nid}{SEP}{f.id}", when=(f"{nid}{SEP}{f.when[0]}", f.when[1]) if f.when else None, also=shown
        )

    fields = [named(f) for f in view.fields]
    key = later_key(nid)
    if key and all(f.when is None for f in fields):
        now_id = f"{nid}{SEP}{NOW}"
        fields = [
            FieldView(now_id, "yes_no", texts(key), texts(f"{key}_hint"), True, initial="ja", also=shown),
            *(dataclasses.replace(f, when=(now_id, (True,))) for f in fields),
        ]
    return dataclasses.replace(view, fields=tuple(fields), case_code="", draft=None)


def with_following(
    texts: Texts, flow: Flow, node: Node, view: QuestionView, state: CaseState, people: list[tuple[str, str]]
) -> QuestionView:
    """The question's view with the questions after it on its screen (none for a question that starts none)."""
    parts = tuple(
        part_view(texts, question_view(texts, flow, n, code=view.case_code, state=state, people=people), shown)
        for n, shown in following(flow, state, node)
    )
    return dataclasses.replace(view, then=parts) if parts else view


def after(node_id: str) -> tuple[str, ...]:
    """The questions after this one on its screen, in order (answered while the flow goes there)."""
    return next((s.nodes[1:] for s in SCREENS if s.nodes[0] == node_id), ())


def split(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """A screen's values: the first question's, and each following question's by node id."""
    own: dict[str, Any] = {}
    parts: dict[str, dict[str, Any]] = {}
    for key, value in values.items():
        if not isinstance(key, str):
            continue
        nid, sep, fid = key.partition(SEP)
        if sep:
            parts.setdefault(nid, {})[fid] = value
        else:
            own[key] = value
    return own, parts


def now_or_later(node_id: str, values: dict[str, Any]) -> bool:
    """Whether a question that may wait is answered now (its "now?" field removed from the values)."""
    if later_key(node_id) is None:
        return True
    try:
        return parse_yes_no(values.pop(NOW, True))
    except FieldError as exc:
        raise AnswerRejected({NOW: exc}) from None


def named_errors(node_id: str, exc: AnswerRejected) -> AnswerRejected:
    """A following question's errors, named as its fields are on the form."""
    return AnswerRejected({f"{node_id}{SEP}{k}": e for k, e in exc.errors.items()})
