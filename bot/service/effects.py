"""Carry out the effects an engine transition names (flows.vocabulary.EFFECTS): rows and DMs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.messages import Action, Button, Message, Reply
from bot.service import wording
from bot.service.call import Call
from bot.service.core import Core
from flows import engine
from flows.deadlines import due_times
from flows.model import Flow, Transition
from flows.rules import discuss_melding_with
from flows.vocabulary import DISCLOSURE
from storage import consultations as consultation_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from storage import signals as signal_repo
from storage.models import Case, Signal


def open_hypotheses(call: Call, case: Case) -> list[Signal]:
    followed = set(signal_repo.follow_ups(call.session, case_id=case.id))
    return [
        s for s in signal_repo.signals(call.session, case_id=case.id) if s.kind == "hypothesis" and s.id not in followed
    ]


def signal_counts(call: Call, case: Case) -> dict[str, int]:
    signals = signal_repo.signals(call.session, case_id=case.id)
    return {"count": len(signals), "hypotheses": sum(s.kind == "hypothesis" for s in signals)}


def _diagnosed_by(values: Mapping[str, Any]) -> str | None:
    """S1.2: who made a diagnosis, with their profession when it was asked apart (flow version 2)."""
    name, profession = values.get("diagnosed_by"), values.get("diagnosed_profession")
    return f"{name} ({profession})" if name and profession else name


def record_signal(svc: Core, call: Call, case: Case, values: dict[str, Any], answer_id: int | None) -> Signal:
    signal = signal_repo.add_signal(
        call.session,
        case=case,
        kind=("fact" if values["kind"] == DISCLOSURE else values["kind"]),  # X1: a fact, marked as told by the child
        text=values["text"],
        source=values.get("source"),
        diagnosed_by=_diagnosed_by(values),
        observed_on=values.get("observed_on"),
        disclosure=values["kind"] == DISCLOSURE,
        created_by_id=call.person.id,
        now=call.now,
        answer_id=answer_id,
    )
    detail: dict[str, Any] = {"kind": signal.kind, **({"disclosure": True} if signal.disclosure else {})}
    call.record("signal_recorded", case_id=case.id, detail=detail)
    if signal.kind == "hypothesis":
        # D4: an open hypothesis is to be confirmed or refuted (S1.3).
        reminder_repo.schedule(
            call.session,
            case=case,
            kind="D4",
            recipient_role="staff",
            recipient_id=case.owner_id,
            node_id=None,
            now=call.now,
            due=due_times("D4", now=call.now, policy=svc.policy),
        )
    return signal


def apply(svc: Core, call: Call, case: Case, flow: Flow, t: Transition, answer_id: int, reply: Reply) -> None:
    texts = svc.texts
    for effect in t.effects:
        name, params = effect.name, effect.params
        if name == "record_signal":
            record_signal(svc, call, case, dict(t.values), answer_id)
            reply.messages[0] = Message(
                texts("replies.stored_signal", **signal_counts(call, case)), case_code=case.code
            )
        elif name == "notify_af":
            af = svc.acting_af(call)
            if af is None:
                svc.no_af_reachable(call, case.code, reply)

            def notice(kind: str = str(params["notice"])) -> Message:  # written in the AF's language (Call.dm)
                return Message(
                    texts(f"dms.{kind}", code=case.code),
                    buttons=wording.open_button(svc.texts, case.code),
                    case_code=case.code,
                    living=True,
                    notify=True,
                )

            call.dm(af, notice)
            call.record("af_notified", case_id=case.id)
        elif name == "request_consultation":
            _request_consultation(svc, call, case, flow, t, reply)
        elif name == "inform_board":
            af_name = af.name if (af := svc.acting_af(call)) else ""

            def informed(af_name: str = af_name) -> Message:  # written in each member's language (Call.dm)
                return Message(
                    texts("dms.inform_board", code=case.code, af=af_name),
                    buttons=(Button(texts("buttons.board_ack"), Action.BOARD_ACK, case.code),),
                    case_code=case.code,
                )

            board = org_repo.board_contacts(call.session, org_id=call.org.id)
            for member in board:
                call.dm(member, informed)
            # Q1b: who informed whom, and when (the event's time); each member can acknowledge it.
            call.record("board_informed", case_id=case.id, detail={"board": [m.id for m in board]})
        elif name == "schedule_reminder":
            for role, person_id in _recipients(call, case, flow, t, params):
                reminder_repo.schedule(
                    call.session,
                    case=case,
                    kind=params["kind"],
                    recipient_role=role,
                    recipient_id=person_id,
                    due=params["due"],
                    node_id=t.state.node,
                    now=call.now,
                )
        elif name == "cancel_reminders":
            reminder_repo.cancel(call.session, case_id=case.id, kinds=params["kinds"], now=call.now)
        elif name == "melding_summary":
            reply.messages.append(
                Message(_melding_summary(svc, call, case, flow, t), tone="private", case_code=case.code)
            )
        else:  # the loader admits only known effects; a new one must be implemented here
            raise NotImplementedError(name)


def _recipients(
    call: Call, case: Case, flow: Flow, t: Transition, params: Mapping[str, Any]
) -> list[tuple[str, int | None]]:
    """Who a reminder goes to: the roles the definition names (staff: the case's owner). Monitoring check-ins
    (D3) go to the AF too, and to the casemanager when that is a person the bot knows (Q4b)."""
    recipients = [(role, case.owner_id if role == "staff" else None) for role in params["to"]]
    if params["kind"] == "D3":
        if "af" not in params["to"]:
            recipients.append(("af", None))
        manager = _casemanager(call, flow, t)
        if manager is not None and manager != case.owner_id:
            recipients.append(("staff", manager))
    return recipients


def _casemanager(call: Call, flow: Flow, t: Transition) -> int | None:
    """The casemanager of the help plan, when that is a person the bot knows (not a name from outside)."""
    picked = engine.help_plan(flow, t.state).get("casemanager")
    if isinstance(picked, dict) and picked.get("id"):
        person = org_repo.get_person(call.session, org_id=call.org.id, external_id=str(picked["id"]))
        return person.id if person is not None else None
    return None


def _request_consultation(svc: Core, call: Call, case: Case, flow: Flow, t: Transition, reply: Reply) -> None:
    texts = svc.texts
    af = svc.acting_af(call)
    urgency = t.values.get("urgency", "normal")
    consultation_repo.request_consultation(
        call.session,
        case=case,
        urgency=urgency,
        requested_by_id=call.person.id,
        assigned_to_id=af.id if af else None,
        now=call.now,
    )
    call.record("consultation_requested", case_id=case.id, detail={"urgency": urgency})
    if af is None:
        svc.no_af_reachable(call, case.code, reply)
        return
    chosen = t.state.value("triage.forms", "forms") or []
    # Only the code, the step, the forms and the urgency: never typed text or names of the client. The forms
    # are named in the recipient's language (the lambda runs in it).
    call.dm(
        af,
        lambda: Message(
            texts(
                "dms.consultation_request",
                staff=call.person.name,
                code=case.code,
                forms=", ".join(c.label for c in svc.flows[case.flow_version].forms if c.id in chosen) or "-",
                urgency=texts(f"urgency.{urgency}"),
            ),
            buttons=wording.consultation_buttons(svc.texts, case.code),
            tone="urgent" if urgency == "today" else "info",
            case_code=case.code,
            living=True,
            notify=True,
        ),
    )


def _discussions(flow: Flow, state) -> list[tuple[str, Mapping[str, Any] | None]]:
    """S5.3 per person (flow version 2): who the melding is discussed with, by age, and what was recorded."""
    if not any(n in flow.nodes for n in ("step5.discuss_client", "step5.discuss_parent")):
        return []
    who = discuss_melding_with(state.value("triage.forms", "age"))
    return [(p, state.answers.get(f"step5.discuss_{p}")) for p in ("client", "parent") if p in who]


def _melding_summary(svc: Core, call: Call, case: Case, flow: Flow, t: Transition) -> str:
    return melding_summary_text(svc, call, case, flow, t.state, t.node)


def melding_summary_text(svc: Core, call: Call, case: Case, flow: Flow, state, node_id: str) -> str:
    """X4: what Veilig Thuis asks on the phone, gathered from the case."""
    follow = signal_repo.follow_ups(call.session, case_id=case.id)
    return svc.texts.template(
        "melding_summary.j2",
        case=case,
        melder=case.owner,
        af=svc.acting_af(call),
        involved=state.value(node_id, "involved"),
        network=state.value(node_id, "network"),
        signals=signal_repo.signals(call.session, case_id=case.id),
        follow_ups=follow,
        discussion=state.answers.get("step5.discussion"),
        skip=state.answers.get("step5.skip"),
        persons=_discussions(flow, state),
        weighing=state.answers.get("step5.weighing"),
        with_vt=state.answers.get("step4.with_vt"),
        forms=[c.label for c in flow.forms if c.id in (state.value("triage.forms", "forms") or [])],
        siblings=state.answers.get("triage.kindcheck"),
        age=state.value("triage.forms", "age"),
        melding=state.answers.get("step5.melding"),
        org=svc.org.name,
        contact=svc.org.contact_of(case.owner.external_id),
    )
