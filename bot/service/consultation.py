"""Step 2 with the AF: taking a consultation up, handing it to a deputy (B4), proposing a moment."""

from __future__ import annotations

import datetime as dt

from bot.errors import Denied
from bot.messages import Message, Reply
from bot.service import wording
from bot.service.call import Call, operation
from bot.service.part import Part
from flows import engine
from storage import cases as case_repo
from storage import consultations as consultation_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo


class Consultation(Part):
    @operation("write")
    def take_up(self, call: Call, code: str) -> Reply:
        case, roles = self.core.case(call, code)
        if "af" not in roles:
            raise Denied("not_af")
        consultation = consultation_repo.open_consultation(call.session, case_id=case.id)
        if consultation is None:
            raise Denied("no_consultation", code=case.code)
        consultation_repo.take_up_consultation(
            call.session, consultation=consultation, person_id=call.person.id, now=call.now
        )
        state = engine.take_up_consultation(self.core.state(call, case))
        case_repo.set_flags(call.session, case=case, flags=state.flags, now=call.now)
        reminder_repo.cancel(call.session, case_id=case.id, kinds=["D5"], now=call.now)
        call.record("consultation_taken_up", case_id=case.id)
        call.dm(
            case.owner,
            lambda: Message(
                self.texts("dms.consultation_taken_up", af=call.person.name, code=case.code),
                buttons=wording.open_button(self.texts, case.code),
                case_code=case.code,
                living=True,
                notify=True,
            ),
        )
        return Reply(
            messages=[
                Message(self.texts("replies.taken_up", code=case.code, owner=case.owner.name), case_code=case.code)
            ],
            question=self.core.question_view(call, case, roles),
        )

    @operation("write")
    def hand_to_deputy(self, call: Call, code: str) -> Reply:
        """The AF hands a consultation to a deputy, who then acts as AF for this case (B4)."""

        case, roles = self.core.case(call, code)
        if "af" not in roles:
            raise Denied("not_af")
        consultation = consultation_repo.latest_consultation(call.session, case_id=case.id)
        if consultation is None:
            raise Denied("no_consultation", code=case.code)
        deputy = next(
            (
                p
                for p in org_repo.list_people(call.session, org_id=call.org.id)
                if p.is_deputy
                and p.id != call.person.id
                and not org_repo.is_absent(call.session, person_id=p.id, on=self.core.today(call.now))
            ),
            None,
        )
        if deputy is None:
            raise Denied("no_deputy")
        consultation_repo.hand_consultation_to(
            call.session, consultation=consultation, person_id=deputy.id, assign=True
        )
        call.record("handed_to_deputy", case_id=case.id, detail={"person": deputy.id})
        call.dm(
            deputy,
            lambda: Message(
                self.texts("dms.handed_to_deputy", af=call.person.name, code=case.code),
                buttons=wording.consultation_buttons(self.texts, case.code, take_up=consultation.taken_up_at is None),
                case_code=case.code,
                living=True,
                notify=True,
            ),
        )
        call.dm(
            case.owner,
            lambda: Message(
                self.texts("dms.handed_to_deputy_staff", af=call.person.name, deputy=deputy.name, code=case.code),
                case_code=case.code,
                living=True,
            ),
        )
        return Reply(
            messages=[
                Message(self.texts("replies.handed_to_deputy", deputy=deputy.name, code=case.code), case_code=case.code)
            ]
        )

    @operation("read")
    def moment_form(self, call: Call, code: str) -> Reply:
        """Before the form to propose a moment opens: only the acting AF of the case, audited like any read."""

        _case, roles = self.core.case(call, code)
        if "af" not in roles:
            raise Denied("not_af")
        return Reply()

    @operation("write")
    def propose_moment(self, call: Call, code: str, when: dt.datetime | None) -> Reply:
        """The AF proposes a moment for the consultation; the staff member gets it by DM."""

        case, roles = self.core.case(call, code)
        if "af" not in roles:
            raise Denied("not_af")
        if when is None or when < call.now:
            return Reply(
                messages=[Message(self.texts("errors.answer_rejected", count=1), tone="error")],
                errors={"moment": self.texts("errors.moment_in_past")},
                ok=False,
            )
        call.record("moment_proposed", case_id=case.id, detail={"at": when.isoformat()})
        call.dm(
            case.owner,
            lambda: Message(
                self.texts("dms.moment_proposed", af=call.person.name, code=case.code, when=self.texts.datetime(when)),
                buttons=wording.open_button(self.texts, case.code),
                case_code=case.code,
                living=True,
                notify=True,
            ),
        )
        return Reply(
            messages=[
                Message(
                    self.texts("replies.moment_proposed", owner=case.owner.name, when=self.texts.datetime(when)),
                    case_code=case.code,
                )
            ]
        )
