"""The conversation service every adapter talks to (through bot.port.ConversationPort): a core that runs each
event in one audited transaction (bot.service.core), and the parts that do the work, one per domain, joined
here in one place with their dependencies spelled out:

- cases: open a case, answer its questions, acute danger, re-open, colleagues on the case
- consultation: step 2 with the AF (take up, hand to a deputy, propose a moment)
- entries: signals and contacts at any time, follow-ups of hypotheses, corrections
- reading and documents: the question, the overview, lists, the access log; the dossier
- home: the App Home per role, the welcome (C4)
- evaluation: the figures (C7) and the yearly report
- reminder_actions, admin, preferences: reminders received, roles and absences, languages
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from bot.chat import Chat
from bot.config import OrgConfig
from bot.service.admin import Administration
from bot.service.call import EVENTS, Call, Someone, claim_request, utcnow
from bot.service.cases import FEEDBACK_BUTTONS, FEEDBACK_WORDS, Cases
from bot.service.consultation import Consultation
from bot.service.core import Core
from bot.service.documents import Documents
from bot.service.entries import Entries
from bot.service.evaluation import Evaluation
from bot.service.home import Home
from bot.service.preferences import Preferences
from bot.service.reading import Reading
from bot.service.reminder_actions import ReminderActions
from bot.texts import Texts
from flows.model import Flow
from storage.db import Store

__all__ = [
    "EVENTS",
    "FEEDBACK_BUTTONS",
    "FEEDBACK_WORDS",
    "Call",
    "ConversationService",
    "Someone",
    "claim_request",
    "utcnow",
]


class ConversationService:
    """One organisation's service: the core and its parts, and the operations adapters call, each from its part."""

    def __init__(
        self,
        *,
        store: Store,
        flows: Mapping[int, Flow],
        org: OrgConfig,
        chat: Chat,
        clock: Callable[[], dt.datetime] = utcnow,
        texts: Texts | None = None,
        entry_point: str = "console",
    ):
        self.core = core = Core(
            store=store, flows=flows, org=org, chat=chat, clock=clock, texts=texts, entry_point=entry_point
        )
        self.cases = cases = Cases(core)
        self.consultation = consultation = Consultation(core)
        self.entries = entries = Entries(core)
        self.evaluation = evaluation = Evaluation(core)
        self.documents = documents = Documents(core, evaluation)
        self.reading = reading = Reading(core, documents)
        self.admin = admin = Administration(core)
        self.home_screens = home = Home(core, reading, admin, evaluation)
        self.reminder_actions = reminders = ReminderActions(core)
        self.preferences = preferences = Preferences(core)
        # The operations, each from its part (bot.port.ConversationPort lists them).
        self.open_case, self.answer, self.feedback, self.acute, self.acknowledge_board = (
            cases.open_case,
            cases.answer,
            cases.feedback,
            cases.acute,
            cases.acknowledge_board,
        )
        self.reopen, self.add_colleague, self.remove_colleague = (
            cases.reopen,
            cases.add_colleague,
            cases.remove_colleague,
        )
        self.take_up, self.hand_to_deputy = consultation.take_up, consultation.hand_to_deputy
        self.moment_form, self.propose_moment = consultation.moment_form, consultation.propose_moment
        self.entry_form, self.add_entry, self.correct = entries.entry_form, entries.add_entry, entries.correct
        self.correction_form, self.follow_up_form = entries.correction_form, entries.follow_up_form
        self.follow_up = entries.follow_up
        self.question, self.show_case, self.my_cases = reading.question, reading.show_case, reading.my_cases
        self.explain, self.find_person, self.people = reading.explain, reading.find_person, reading.people
        self.access_log, self.open_cases_of = reading.access_log, reading.open_cases_of
        self.export, self.dossier_link, self.open_link = documents.export, documents.dossier_link, documents.open_link
        self.welcome, self.home = home.welcome, home.home
        self.stats, self.send_chart = evaluation.stats, evaluation.send_chart
        self.report, self.report_link = evaluation.report, evaluation.report_link
        self.snooze, self.reminder_done = reminders.snooze, reminders.reminder_done
        self.reminder_done_form = reminders.reminder_done_form
        self.people_overview, self.admin_buttons, self.roles_form = (
            admin.people_overview,
            admin.admin_buttons,
            admin.roles_form,
        )
        self.absence_form, self.set_roles_from_form, self.set_roles = (
            admin.absence_form,
            admin.set_roles_from_form,
            admin.set_roles,
        )
        self.record_absence, self.cancel_absence = admin.record_absence, admin.cancel_absence
        self.welcome_all = admin.welcome_all
        self.set_language, self.language_of = preferences.set_language, preferences.language_of
        self.adopt_locale = preferences.adopt_locale
        self.bootstrap, self.claim_event, self.today = core.bootstrap, core.claim_event, core.today

    # What jobs and adapters read of the organisation's service (the core's, shared by every part).
    @property
    def store(self) -> Store:
        return self.core.store

    @store.setter
    def store(self, store: Store) -> None:
        self.core.store = store

    @property
    def org(self) -> OrgConfig:
        return self.core.org

    @property
    def chat(self) -> Chat:
        return self.core.chat

    @chat.setter
    def chat(self, chat: Chat) -> None:
        self.core.chat = chat

    @property
    def clock(self) -> Callable[[], dt.datetime]:
        return self.core.clock

    @property
    def texts(self) -> Texts:
        return self.core.texts

    @property
    def flows(self):
        return self.core.flows

    @property
    def latest(self) -> Flow:
        return self.core.latest

    @property
    def policy(self):
        return self.core.policy

    @property
    def tz(self):
        return self.core.tz

    @property
    def entry_point(self) -> str:
        return self.core.entry_point
