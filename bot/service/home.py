"""The App Home of each role, the evaluation figures (C7) and the welcome (C4)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from bot.errors import Denied
from bot.messages import Action, Button, Message, Reply
from bot.service import wording
from bot.service.admin import Administration
from bot.service.call import Call, operation
from bot.service.part import Part
from bot.service.reading import Reading
from storage import organisations as org_repo


class Home(Part):
    def __init__(self, core, reading: Reading, admin: Administration):
        super().__init__(core)
        self.reading = reading
        self.admin = admin

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
            reply = self.stats(actor, today.replace(month=1, day=1), today)
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

    @operation("search")
    def stats(self, call: Call, start: dt.date, end: dt.date, fmt: str = "text") -> Reply:
        """C7: anonymous figures for the AF and the board (the board sees nothing else)."""

        from bot import stats as stats_mod

        figures = self._figures(call, start, end)
        if fmt == "csv":
            return Reply(messages=[Message(stats_mod.as_csv(figures))])
        title = self.texts("stats.title", start=self.texts.date(start), end=self.texts.date(end))
        body = stats_mod.as_text(figures, title)
        if fmt == "png":
            from bot.charts import chart_png

            name = f"meldcode-cijfers-{start.isoformat()}-{end.isoformat()}.png"
            png = chart_png(
                figures, self.texts("stats.chart_title", start=self.texts.date(start), end=self.texts.date(end))
            )
            return Reply(messages=[Message(body, file=(name, png))])
        return Reply(messages=[Message(body, table=stats_mod.as_table(figures))])

    def _figures(self, call, start: dt.date, end: dt.date):
        from bot import stats as stats_mod

        af = self.core.acting_af(call)
        if not (call.person.is_board or call.person.is_af or call.person.is_deputy or (af and af.id == call.person.id)):
            raise Denied("not_af_or_board")
        return stats_mod.compute(
            call.session, org_id=call.org.id, flows=self.flows, start=start, end=end, now=call.now, texts=self.texts
        )

    def send_chart(self, actor: str) -> Reply:
        """C7 in Slack: this year's chart as a PNG in the asker's own DM (anonymous figures only)."""
        today = self.core.today(self.core.clock())
        reply = self.stats(actor, today.replace(month=1, day=1), today, fmt="png")
        if not reply.ok:
            return reply
        self.core.chat.send_dm(org_key=self.core.org.key, person_id=actor, message=reply.messages[0])
        return Reply(messages=[Message(self.texts("stats.chart_sent"))])
