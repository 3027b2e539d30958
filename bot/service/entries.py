"""Entries beside the flow: signals and contacts at any time, hypothesis follow-ups, corrections."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.errors import Denied
from bot.messages import FieldView, Message, QuestionView, Reply
from bot.service import effects as fx
from bot.service import wording
from bot.service.call import Call, operation
from bot.service.part import Part
from bot.service.questions import question_view
from flows import engine
from flows.answers import FieldError, clean_text, to_json
from flows.model import Flow
from flows.vocabulary import HELP_PLAN
from storage import cases as case_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from storage import signals as signal_repo
from storage.models import Answer, Case


def checked_note(texts, raw: Any, errors: dict[str, str], field_id: str = "note") -> str:
    """A free-text note checked like every typed text (flows.answers.clean_text); a problem goes on its field."""
    try:
        text = clean_text("" if raw is None else raw)
    except FieldError as exc:
        errors[field_id] = texts(f"errors.{exc.code}", **exc.params)
        return ""
    if not text:
        errors[field_id] = texts("errors.required")
    return text


class Entries(Part):
    @operation("read")
    def entry_form(self, call: Call, code: str, kind: str) -> Reply:
        """The form for something recordable at any time while a case is open: a signal or a contact."""

        case, roles, flow = self._open_case(call, code)
        state = self.core.state(call, case)
        try:
            node = engine.anytime_node(flow, kind)
            if not engine.may_answer(node, roles):
                raise engine.NotAllowed(f"actor_{node.actor}")
            if kind == HELP_PLAN:
                engine.help_runs(flow, state)
        except engine.NotAllowed as exc:
            raise Denied(exc.code, af="", code=case.code) from None
        return Reply(
            question=question_view(
                self.texts,
                flow,
                node,
                code=case.code,
                state=state,
                people=self.core.people_choices(call),
            )
        )

    @operation("write")
    def add_entry(self, call: Call, code: str, kind: str, values: Mapping[str, Any]) -> Reply:
        """S1.1/S5.1 (a new signal) and S1.4/S4.0/X7 (a contact or advice) at any moment, and a new help plan
        (Q4b) while the help runs; the case stays put."""

        case, roles, flow = self._open_case(call, code)
        try:
            people = self.core.people_ids(call, engine.anytime_node(flow, kind))
            t = engine.record_anytime(
                flow,
                self.core.state(call, case),
                kind,
                values,
                call.now,
                roles=roles,
                policy=self.policy,
                people=people,
            )
        except engine.NotAllowed as exc:
            raise Denied(exc.code, af="", code=case.code) from None
        node = flow.nodes[t.node]
        answer_id = case_repo.add_answer(
            call.session,
            case=case,
            node_id=node.id,
            values=to_json(t.values),
            actor_id=call.person.id,
            actor_role="staff" if "staff" in roles else "af",
            now=call.now,
        )
        if t.state.flags != frozenset(case.flags):  # a signal the child told themselves (X1)
            case_repo.set_flags(call.session, case=case, flags=t.state.flags, now=call.now)
        if kind == "contact":
            call.record("contact_recorded", case_id=case.id, node_id=node.id)
        elif kind == "sisa":
            call.record("answered", case_id=case.id, node_id=node.id)  # a step of step 1, in the timeline (S1.4)
        elif kind == HELP_PLAN:
            call.record("help_plan_renewed", case_id=case.id, node_id=node.id, detail={"term": str(t.values["term"])})
        reply = Reply(messages=[Message(self.texts("replies.stored", title=node.title), case_code=case.code)])
        fx.apply(self.core, call, case, flow, t, answer_id, reply)
        return reply

    def _open_case(self, call, code: str) -> tuple[Case, set[str], Flow]:
        case, roles = self.core.case(call, code)
        if case.current_node is None:
            raise Denied("case_closed", code=case.code)
        return case, roles, self.flows[case.flow_version]

    def _correctable(self, case: Case, roles: set[str]) -> Callable[[Answer], bool]:
        """B3: an answer is corrected only by someone who may give it, or by the AF; on a closed case only by
        the AF (the decisions of steps 4 and 5 stay the AF's)."""
        flow = self.flows[case.flow_version]
        closed = case.current_node is None
        if closed and "af" not in roles:
            raise Denied("correction_closed", code=case.code)

        def may(answer: Answer) -> bool:
            node = flow.nodes.get(answer.node_id)
            return node is not None and ("af" in roles or engine.may_answer(node, roles))

        return may

    @operation("write")
    def correct(self, call: Call, code: str, answer_id: int, note: str) -> Reply:
        """A correction is a new entry beside the answer it corrects; the answer itself never changes."""

        case, roles = self.core.case(call, code)
        may = self._correctable(case, roles)
        answer = next((a for a in case_repo.answers(call.session, case_id=case.id) if a.id == answer_id), None)
        if answer is not None and not may(answer):
            node = self.flows[case.flow_version].nodes[answer.node_id]
            raise Denied("correction_not_yours", code=case.code, actor=node.actor)
        errors = {}
        if answer is None:
            errors["answer"] = self.texts("errors.invalid_choice")
        text = checked_note(self.texts, note, errors)
        if errors or answer is None:
            return Reply(
                messages=[Message(self.texts("errors.answer_rejected", count=len(errors)), tone="error")],
                errors=errors,
                ok=False,
            )
        case_repo.add_correction(call.session, answer=answer, note=text, created_by_id=call.person.id, now=call.now)
        call.record("correction_recorded", case_id=case.id, node_id=answer.node_id)
        if case.current_node is None:  # a closed case: everyone on it hears of it (the code only, never the text)
            self._tell_the_case(
                call,
                case,
                lambda: Message(
                    self.texts("dms.correction_on_closed", af=call.person.name, code=case.code),
                    buttons=wording.open_button(self.texts, case.code),
                    case_code=case.code,
                    living=True,
                ),
            )
        return Reply(messages=[Message(self.texts("replies.correction_stored"), case_code=case.code)])

    def _tell_the_case(self, call: Call, case: Case, message: Callable[[], Message]) -> None:
        """A DM to the staff on the case and the acting AF, except the person acting."""
        people = set(case_repo.member_ids(call.session, case_id=case.id))
        if (af := self.core.acting_af(call)) is not None:
            people.add(af.id)
        for person_id in sorted(people - {call.person.id}):
            call.dm(org_repo.person_by_id(call.session, person_id=person_id), message)

    @operation("read")
    def correction_form(self, call: Call, code: str) -> Reply:
        """Which answer to correct: every stored answer of the case, newest first."""

        case, roles = self.core.case(call, code)
        may = self._correctable(case, roles)
        flow = self.flows[case.flow_version]
        choices = tuple(
            (str(a.id), f"{self.texts.datetime(a.created_at)} · {flow.nodes[a.node_id].title}")
            for a in reversed(case_repo.answers(call.session, case_id=case.id))
            if may(a)
        )
        t = self.texts
        return Reply(
            question=QuestionView(
                case_code=case.code,
                node_id="correction",
                step_title=t("correction.title"),
                title=t("correction.title"),
                prompt=t("correction.prompt"),
                why=None,
                fields=(
                    FieldView("answer", "choice", t("correction.answer"), None, True, choices),
                    FieldView("note", "text", t("correction.note"), None, True),
                ),
            )
        )

    @operation("read")
    def follow_up_form(self, call: Call, code: str) -> Reply:
        """S1.3: the form to confirm or refute one of the case's open hypotheses."""

        case, _roles = self.core.case(call, code)
        hypotheses = fx.open_hypotheses(call, case)
        if not hypotheses:
            raise Denied("no_hypothesis", code=case.code)
        t = self.texts
        return Reply(
            question=QuestionView(
                case_code=case.code,
                node_id="follow_up",
                step_title=self.core.latest.steps["1"].title,
                title=t("follow_up.title"),
                prompt=None,
                why=None,
                fields=(
                    FieldView(
                        "signal",
                        "choice",
                        t("follow_up.signal"),
                        None,
                        True,
                        tuple((str(s.id), s.text) for s in hypotheses),
                    ),
                    FieldView(
                        "verdict",
                        "choice",
                        t("follow_up.verdict"),
                        None,
                        True,
                        (("confirmed", t("verdicts.confirmed")), ("refuted", t("verdicts.refuted"))),
                    ),
                    FieldView("note", "text", t("follow_up.note"), None, True),
                ),
            )
        )

    @operation("write")
    def follow_up(self, call: Call, code: str, values: Mapping[str, Any]) -> Reply:
        """S1.3: confirm or refute a hypothesis with a follow-up note; the original stays as it was."""

        case, _roles = self.core.case(call, code)
        hypotheses = {str(s.id): s for s in fx.open_hypotheses(call, case)}
        verdict, errors = values.get("verdict"), {}
        if str(values.get("signal")) not in hypotheses:
            errors["signal"] = self.texts("errors.invalid_choice")
        if verdict not in ("confirmed", "refuted"):
            errors["verdict"] = self.texts("errors.invalid_choice")
        note = checked_note(self.texts, values.get("note"), errors)
        if errors:
            return Reply(
                messages=[Message(self.texts("errors.answer_rejected", count=len(errors)), tone="error")],
                errors=errors,
                ok=False,
            )
        signal = hypotheses[str(values["signal"])]
        signal_repo.add_follow_up(
            call.session, signal=signal, verdict=str(verdict), note=note, created_by_id=call.person.id, now=call.now
        )
        call.record("followup_recorded", case_id=case.id, detail={"verdict": verdict})
        if len(hypotheses) == 1:
            reminder_repo.cancel(call.session, case_id=case.id, kinds=["D4"], now=call.now)
        return Reply(
            messages=[
                Message(
                    self.texts("replies.follow_up_stored", verdict=self.texts(f"verdicts.{verdict}")),
                    case_code=case.code,
                )
            ]
        )
