"""The App Home of each role (the board's: the evaluation figures, C7) and the welcome (C4)."""

from __future__ import annotations

import dataclasses

from bot.messages import Action, Button, Message, Reply
from bot.service import wording
from bot.service.admin import Administration
from bot.service.evaluation import Evaluation
from bot.service.part import Part
from bot.service.reading import Reading
from storage import organisations as org_repo


class Home(Part):
    def __init__(self, core, reading: Reading, admin: Administration, evaluation: Evaluation):
        super().__init__(core)
        self.reading = reading
        self.admin = admin
        self.evaluation = evaluation

    def welcome(self, external_id: str) -> None:
        """C4: a new member of the workspace gets the meldcode, the AF and how to start, by DM."""
        with self.core.store.transaction() as session:
            org = org_repo.get_organisation(session, key=self.core.org.key)
            af = org_repo.acting_af(session, org_id=org.id, on=self.core.today(self.core.clock())) if org else None
        self.core.chat.send_dm(
            org_key=self.core.org.key, person_id=external_id, message=wording.welcome_message(self.texts, af)
        )

    def home(self, actor: str) -> Reply:
        """What someone's App Home shows: their cases (and the AF's queue), or for the board this year's figures."""
        with self.core.store.transaction() as session:
            org = org_repo.get_organisation(session, key=self.core.org.key)
            person = org_repo.get_person(session, org_id=org.id, external_id=actor) if org else None
            board_only = person is not None and person.is_board and not person.staff_role
            buttons = self.admin.admin_buttons(person) if person is not None else ()
            is_admin = person is not None and person.is_admin
            admin_only = is_admin and person is not None and not person.staff_role
        if board_only:
            today = self.core.today(self.core.clock())
            reply = self.evaluation.stats(actor, today.replace(month=1, day=1), today)
        elif admin_only:
            reply = Reply()
        else:
            reply = self.reading.my_cases(actor)
        if is_admin:
            reply.messages += self.admin.people_overview(actor).messages
        if buttons:
            reply.messages.append(Message(self.texts("admin.home_title"), buttons=buttons))
        # One "Nieuwe zaak", at the top, and only for those who may open a case; acute danger for everyone.
        staff = person is not None and bool(person.staff_role)
        top = (
            *((Button(self.texts("buttons.new_case"), Action.NEW_CASE),) if staff else ()),
            Button(self.texts("buttons.acute"), Action.ACUTE),
        )
        rest = [
            dataclasses.replace(m, buttons=tuple(b for b in m.buttons if b.action != Action.NEW_CASE))
            for m in reply.messages
        ]
        reply.messages = [Message(self.texts("replies.home_intro"), buttons=top), *rest]
        return reply
