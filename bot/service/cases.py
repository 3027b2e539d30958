"""Opening a case and moving it along the flow: answers, turns, acute danger, re-opening, colleagues."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping
from typing import Any

from bot.errors import Denied
from bot.messages import Action, Button, Message, Reply
from bot.service import effects as fx
from bot.service import screens, turns, wording
from bot.service.call import Call, operation
from bot.service.core import Core
from bot.service.part import Part
from bot.service.questions import question_view
from bot.texts import Texts
from flows import engine
from flows.answers import AnswerRejected, to_json
from flows.model import CaseState, Transition
from storage import cases as case_repo
from storage import consultations as consultation_repo
from storage import organisations as org_repo
from storage.models import Case

# The close-of-case answers as people give them, and as they are counted.
FEEDBACK_BUTTONS = ("ja", "deels", "nee")
FEEDBACK_WORDS = {"ja": "yes", "deels": "partly", "nee": "no", "yes": "yes", "partly": "partly", "no": "no"}


def ask_feedback(texts: Texts, call: Call, case: Case, reply: Reply) -> None:
    """C7: when a case closes, the staff member may say whether the bot helped (opt-in, anonymous)."""

    def message() -> Message:
        return Message(
            texts("feedback.question", code=case.code),
            case_code=case.code,
            buttons=tuple(
                Button(texts(f"feedback.{word}"), Action.FEEDBACK, case.code, word) for word in FEEDBACK_BUTTONS
            ),
        )

    if case.owner_id == call.person.id:
        reply.messages.append(message())
    else:
        call.dm(case.owner, message)


def reopen_case(core: Core, call: Call, case: Case) -> None:
    """S5.1: a closed case (or one in monitoring) taken up again from step 1 with new signals; the AF is told."""
    flow = core.flows[case.flow_version]
    state = engine.reopen(flow, core.state(call, case))
    case_repo.move_case(
        call.session,
        case=case,
        node=state.node,
        outcome=None,
        status="open",
        flags=state.flags,
        now=call.now,
        round=case.round + 1,
    )
    call.record("reopened", case_id=case.id, detail={"round": case.round})
    af = core.acting_af(call)
    if af is not None and af.id != call.person.id:
        call.dm(
            af,
            lambda: Message(
                core.texts("dms.reopened", code=case.code, staff=call.person.name),
                buttons=wording.open_button(core.texts, case.code),
                case_code=case.code,
                living=True,
            ),
        )


class Cases(Part):
    # ---- what people do -----------------------------------------------------------------------
    @operation("read")
    def open_case(self, call: Call) -> Reply:
        """The first question of a new case. Nothing is stored yet: the case exists from its first saved answer,
        so a form closed before that leaves no empty case behind (moment)."""
        if not call.person.staff_role:
            raise Denied("not_staff")
        flow = self.core.latest
        node = flow.nodes[flow.start]
        people = self.core.people_choices(call) if any(f.type == "person" for f in node.fields) else []
        state = engine.start(flow)
        view = screens.with_following(
            self.texts,
            flow,
            node,
            question_view(self.texts, flow, node, code="", state=state, people=people),
            state,
            people,
        )
        return Reply(
            messages=[Message(self.texts("replies.new_case")), Message(self.texts("safety"), tone="info")],
            question=dataclasses.replace(view, draft=secrets.token_urlsafe(16)),
        )

    def _create(self, call: Call, draft: str | None) -> tuple[Case, set[str], bool]:
        """The case, made by its first answer (in the same transaction: a rejected answer leaves nothing). The same
        form's first answer sent again (its ack lost) finds the case it made: the person sees where it stands."""
        if not call.person.staff_role:
            raise Denied("not_staff")
        draft = draft if isinstance(draft, str) and 0 < len(draft) <= 40 else None
        made = draft and case_repo.case_of_draft(
            call.session, org_id=call.org.id, owner_id=call.person.id, draft_ref=draft
        )
        if made:
            return (*self.core.case(call, made.code), False)
        flow = self.core.latest
        case = case_repo.create_case(
            call.session,
            org_id=call.org.id,
            owner_id=call.person.id,
            flow_id=flow.id,
            flow_version=flow.version,
            start_node=flow.start,
            now=call.now,
            year=self.core.today(call.now).year,
            draft_ref=draft,
        )
        call.record("opened", case_id=case.id)
        roles = self.core.roles(call, case, member=True)  # the owner is its first member
        call.case, call.roles = case, roles
        call.target_case_id, call.target_code = case.id, case.code
        return case, roles, True

    def _adopt_latest(self, call: Call, case: Case, state: CaseState) -> None:
        """A case opened before an upgrade that has answered nothing yet follows the newest flow version: nothing
        was recorded under the old one, so the newest rules apply from its first answer (T1/T2 kept open, …)."""
        latest = self.core.latest
        if state.answers or case.flow_version == latest.version or case.current_node != latest.start:
            return
        before = case.flow_version
        case_repo.adopt_flow_version(call.session, case=case, version=latest.version, now=call.now)
        call.record("flow_version_adopted", case_id=case.id, detail={"from": before, "to": latest.version})

    @operation("write")
    def answer(self, call: Call, code: str, node_id: str, values: Mapping[str, Any], draft: str | None = None) -> Reply:
        """An answer to a question, with the answers to the questions after it on the same form (moment's
        screens), each given in turn while the flow goes there; all or nothing (one transaction)."""
        new = not code and node_id == self.core.latest.start  # the first answer of a new case makes it
        case, roles, opened = self._create(call, draft) if new else (*self.core.case(call, code), False)
        own, parts = screens.split(values) if isinstance(values, Mapping) else (values, {})
        reply = self._answer(call, case, roles, node_id, own, opened)
        for nid in screens.after(node_id):
            part = parts.get(nid)
            if part is None or case.current_node != nid or reply.question is None or reply.question.node_id != nid:
                break  # not on the form, or the flow went elsewhere (or waits): the rest is asked on its own
            try:
                if not screens.now_or_later(nid, part):
                    break  # "ask the AF later": the rest of step 1 first
                nxt = self._answer(call, case, roles, nid, part, False)
            except AnswerRejected as exc:
                raise screens.named_errors(nid, exc) from None
            nxt.messages[:0] = reply.messages  # what each question stored, confirmed (ui-language)
            reply = nxt
        return reply

    def _answer(self, call: Call, case: Case, roles: set[str], node_id: str, values: Any, opened: bool) -> Reply:
        if case.current_node is None:
            raise Denied("case_closed", code=case.code)
        if node_id != case.current_node:
            raise Denied("stale_question", code=case.code, question=self.core.question_view(call, case, roles))
        state = self.core.state(call, case)
        self._adopt_latest(call, case, state)
        flow = self.flows[case.flow_version]
        node = flow.nodes[case.current_node]
        people = self.core.people_ids(call, node)
        try:
            t = engine.advance(flow, state, values, call.now, roles=roles, policy=self.policy, people=people)
        except engine.NotAllowed as exc:
            af = self.core.acting_af(call)
            if exc.code == "actor_af" and af is not None:
                call.dm(af, lambda: turns.your_turn_af(self.core, case, node))
            raise Denied(exc.code, af=af.name if af else "", code=case.code) from None
        acted_as = "af" if (node.actor == "af" or "staff" not in roles) else "staff"
        answer_id = case_repo.add_answer(
            call.session,
            case=case,
            node_id=node.id,
            values=to_json(t.values),
            actor_id=call.person.id,
            actor_role=acted_as,
            now=call.now,
        )
        call.record("answered", case_id=case.id, node_id=node.id)
        reply = Reply(messages=[Message(self.texts("replies.stored", title=node.title), case_code=case.code)])
        fx.apply(self.core, call, case, flow, t, answer_id, reply)
        round_ = case.round
        case_repo.move_case(
            call.session,
            case=case,
            node=t.state.node,
            outcome=t.outcome.id if t.outcome else None,
            status=t.outcome.status if t.outcome else "open",
            flags=t.state.flags,
            now=call.now,
            round=round_,
        )
        if t.outcome:
            call.record("closed", case_id=case.id, detail={"outcome": t.outcome.id})
            reply.messages.append(
                Message(
                    self.texts(
                        "replies.outcome", code=case.code, title=t.outcome.title, message=t.outcome.message or ""
                    ),
                    case_code=case.code,
                )
            )
            if t.outcome.status != "monitoring":  # monitoring ends later (after its last check-in)
                ask_feedback(self.texts, call, case, reply)
        turns.announce(self.core, call, case, flow, node, acted_as, reply)
        if opened:
            reply.messages.insert(0, Message(self.texts("replies.case_opened", code=case.code), case_code=case.code))
        if _asked_later(t):
            # The case waits for something outside the bot (D9: the directie to be informed): the question
            # comes back with the reminder, not straight after the answer that said "not yet".
            reply.messages.append(Message(self.texts("replies.asked_later", code=case.code), case_code=case.code))
            return reply
        reply.question = self.core.question_view(call, case, roles, state=t.state)
        if reply.question is None and (waiting := self.core.waiting_message(call, case, roles)):
            if any(e.name == "request_consultation" for e in t.effects) and "staff" in roles:
                # The AF is asked: what the staff member can do meanwhile, as buttons (moment's third screen).
                waiting = dataclasses.replace(
                    waiting, buttons=wording.next_actions(self.texts, flow, t.state, case.code)
                )
            reply.messages.append(waiting)
        return reply

    @operation("write")
    def feedback(self, call: Call, code: str, word: str) -> Reply:
        """Stored without case or person (only the month); the case only notes that it was answered."""

        case, _ = self.core.case(call, code)
        if word not in FEEDBACK_WORDS:
            raise Denied("feedback_word")
        if case.owner_id != call.person.id or case.current_node is not None:
            raise Denied("feedback_not_yours")
        if any(e.kind == "feedback_given" for e in case_repo.timeline(call.session, case_id=case.id)):
            raise Denied("feedback_given")
        org_repo.add_feedback(
            call.session, org_id=call.org.id, on=self.core.today(call.now), answer=FEEDBACK_WORDS[word]
        )
        call.record("feedback_given", case_id=case.id)
        return Reply(messages=[Message(self.texts("feedback.thanks"))])

    @operation("write")
    def acknowledge_board(self, call: Call, code: str) -> Reply:
        """Q1b: a board member confirms the notice of a strong suspicion was read. The board has no access to
        the case; this only records the acknowledgement, and it never holds up Q2 or a melding."""
        case = case_repo.get_case(call.session, org_id=call.org.id, code=code if isinstance(code, str) else "")
        events = case_repo.timeline(call.session, case_id=case.id) if case else []
        if case is None or not any(
            e.kind == "board_informed" and call.person.id in (e.detail or {}).get("board", []) for e in events
        ):
            raise Denied("no_access")
        call.target_case_id, call.target_code = case.id, case.code
        if any(e.kind == "board_acknowledged" and e.actor_id == call.person.id for e in events):
            return Reply(messages=[Message(self.texts("replies.board_ack_again", code=case.code))])
        call.record("board_acknowledged", case_id=case.id)
        return Reply(messages=[Message(self.texts("replies.board_ack", code=case.code))])

    @operation("write")
    def acute(self, call: Call, code: str | None = None) -> Reply:
        """T5: at any moment; answers at once with 112 and Veilig Thuis, and alerts the AF."""

        case = None
        if code:
            case, _ = self.core.case(call, code)
            call.record("acute_raised", case_id=case.id)
        af = self.core.acting_af(call)
        alerted = af is not None and af.id != call.person.id
        if alerted:
            # Who raised it (a mention where the chat can), the numbers, and what the AF can do: open the case,
            # and take up its consultation when one waits for her.
            waiting = case is not None and consultation_repo.open_consultation(call.session, case_id=case.id)
            buttons = (
                (
                    *(wording.consultation_buttons(self.texts, case.code)[:1] if waiting else ()),
                    *wording.open_button(self.texts, case.code),
                )
                if case
                else ()
            )
            call.dm(
                af,
                lambda: Message(
                    self.texts("dms.acute_alert", staff=call.person.name, code=case.code if case else ""),
                    buttons=buttons,
                    tone="urgent",
                    case_code=case.code if case else None,
                    mention=(call.person.external_id, call.person.name),
                ),
            )
        af_name = af.name if af is not None and alerted else ""
        return Reply(messages=[Message(self.texts("replies.acute", af=af_name), tone="urgent")])

    @operation("write")
    def reopen(self, call: Call, code: str) -> Reply:
        """S5.1: a case can always be re-opened with new signals."""

        case, roles = self.core.case(call, code)
        if "staff" not in roles:
            raise Denied("actor_staff")
        if case.current_node is not None:
            raise Denied("not_closed", code=case.code)
        reopen_case(self.core, call, case)
        return Reply(
            messages=[Message(self.texts("replies.reopened", code=case.code, round=case.round), case_code=case.code)],
            question=self.core.question_view(call, case, roles),
        )

    @operation("write")
    def add_colleague(self, call: Call, code: str, colleague: str) -> Reply:
        case, roles = self.core.case(call, code)
        if "staff" not in roles:
            raise Denied("actor_staff")
        other = org_repo.get_person(call.session, org_id=call.org.id, external_id=colleague)
        if other is None or not other.staff_role:
            raise Denied("unknown_colleague", name=colleague[:40])
        added = case_repo.add_member(
            call.session, case=case, person_id=other.id, added_by_id=call.person.id, now=call.now
        )
        if added:
            call.record("member_added", case_id=case.id, detail={"person": other.id})
            call.dm(
                other,
                lambda: Message(
                    self.texts(
                        "dms.staff_recorded",
                        staff=call.person.name,
                        code=case.code,
                        title=self.texts("events.member_added"),
                    ),
                    buttons=wording.open_button(self.texts, case.code),
                    case_code=case.code,
                    living=True,
                ),
            )
        key = "replies.colleague_added" if added else "replies.colleague_already"
        return Reply(messages=[Message(self.texts(key, name=other.name, code=case.code))])

    @operation("write")
    def remove_colleague(self, call: Call, code: str, colleague: str) -> Reply:
        """Takes effect at once: the next request of the removed colleague is refused (ASVS 8.3.2)."""

        case, _roles = self.core.case(call, code)
        other = org_repo.get_person(call.session, org_id=call.org.id, external_id=colleague)
        if other is None or not case_repo.remove_member(call.session, case=case, person_id=other.id, now=call.now):
            raise Denied("unknown_colleague", name=colleague[:40])
        call.record("member_removed", case_id=case.id, detail={"person": other.id})
        return Reply(messages=[Message(self.texts("replies.colleague_removed", name=other.name, code=case.code))])


def _asked_later(t: Transition) -> bool:
    """A step that waits for the world, and that its own reminder (D9) asks again: it stays where it was, or
    it was just set up."""
    if t.outcome is not None or t.state.node is None:
        return False
    return t.to == t.node or any(e.name == "schedule_reminder" and e.params["kind"] == "D9" for e in t.effects)
