"""The port for many organisations: each call goes to the service of the organisation the current request
belongs to (bot.tenants; the Slack middleware sets the workspace). Explicit, method by method, so that it is
checked against bot.port.ConversationPort like the service itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.messages import Reply
from bot.port import ConversationPort
from bot.service import ConversationService
from bot.tenants import Tenants
from bot.texts import Texts


class ServiceRouter:
    """What the Slack listeners hold as their port (bot.port.ConversationPort): each call goes to the service of
    the organisation of the current request (its workspace, set by the Slack middleware)."""

    def __init__(self, tenants: Tenants):
        self.tenants = tenants
        self._texts = tenants.texts

    @property
    def texts(self) -> Texts:
        return self._texts

    def absence_form(self, actor: str) -> Reply:
        return self.tenants.current().absence_form(actor)

    def access_log(self, actor: str, code: str) -> Reply:
        return self.tenants.current().access_log(actor, code)

    def acute(self, actor: str, code: str | None = None) -> Reply:
        return self.tenants.current().acute(actor, code)

    def add_colleague(self, actor: str, code: str, colleague: str) -> Reply:
        return self.tenants.current().add_colleague(actor, code, colleague)

    def add_entry(self, actor: str, code: str, kind: str, values: Mapping[str, Any]) -> Reply:
        return self.tenants.current().add_entry(actor, code, kind, values)

    def adopt_locale(self, external_id: str, locale: str | None) -> str:
        return self.tenants.current().adopt_locale(external_id, locale)

    def answer(self, actor: str, code: str, node_id: str, values: Mapping[str, Any], draft: str | None = None) -> Reply:
        return self.tenants.current().answer(actor, code, node_id, values, draft)

    def cancel_absence(self, actor: str, absence_id: int) -> Reply:
        return self.tenants.current().cancel_absence(actor, absence_id)

    def correct(self, actor: str, code: str, answer_id: int, note: str) -> Reply:
        return self.tenants.current().correct(actor, code, answer_id, note)

    def correction_form(self, actor: str, code: str) -> Reply:
        return self.tenants.current().correction_form(actor, code)

    def entry_form(self, actor: str, code: str, kind: str) -> Reply:
        return self.tenants.current().entry_form(actor, code, kind)

    def explain(self, step_id: str = "") -> Reply:
        return self.tenants.current().explain(step_id)

    def export(self, actor: str, code: str, fmt: str = "md") -> Reply:
        return self.tenants.current().export(actor, code, fmt)

    def dossier_link(self, actor: str, code: str, fmt: str = "html") -> Reply:
        return self.tenants.current().dossier_link(actor, code, fmt)

    def open_link(self, token: str) -> Reply:
        """A link is opened from a browser, outside any workspace: its organisation is the one it was made in."""
        return self.tenants.for_link(token).open_link(token)

    def feedback(self, actor: str, code: str, word: str) -> Reply:
        return self.tenants.current().feedback(actor, code, word)

    def find_person(self, word: str) -> str | None:
        return self.tenants.current().find_person(word)

    def follow_up(self, actor: str, code: str, values: Mapping[str, Any]) -> Reply:
        return self.tenants.current().follow_up(actor, code, values)

    def follow_up_form(self, actor: str, code: str) -> Reply:
        return self.tenants.current().follow_up_form(actor, code)

    def hand_to_deputy(self, actor: str, code: str) -> Reply:
        return self.tenants.current().hand_to_deputy(actor, code)

    def home(self, actor: str) -> Reply:
        return self.tenants.current().home(actor)

    def language_of(self, external_id: str) -> str | None:
        return self.tenants.current().language_of(external_id)

    def moment_form(self, actor: str, code: str) -> Reply:
        return self.tenants.current().moment_form(actor, code)

    def my_cases(self, actor: str) -> Reply:
        return self.tenants.current().my_cases(actor)

    def open_case(self, actor: str) -> Reply:
        return self.tenants.current().open_case(actor)

    def open_cases_of(self, actor: str) -> list[tuple[str, str]] | None:
        return self.tenants.current().open_cases_of(actor)

    def people(self) -> list[tuple[str, str, str]]:
        return self.tenants.current().people()

    def people_overview(self, actor: str) -> Reply:
        return self.tenants.current().people_overview(actor)

    def propose_moment(self, actor: str, code: str, when: dt.datetime | None) -> Reply:
        return self.tenants.current().propose_moment(actor, code, when)

    def question(self, actor: str, code: str) -> Reply:
        return self.tenants.current().question(actor, code)

    def record_absence(self, actor: str, target: str, start: dt.date | None, end: dt.date | None) -> Reply:
        return self.tenants.current().record_absence(actor, target, start, end)

    def acknowledge_board(self, actor: str, code: str) -> Reply:
        return self.tenants.current().acknowledge_board(actor, code)

    def reminder_done(self, actor: str, reminder_id: int, note: str, new_signals: Any = None) -> Reply:
        return self.tenants.current().reminder_done(actor, reminder_id, note, new_signals)

    def reminder_done_form(self, actor: str, code: str, reminder_id: int) -> Reply:
        return self.tenants.current().reminder_done_form(actor, code, reminder_id)

    def remove_colleague(self, actor: str, code: str, colleague: str) -> Reply:
        return self.tenants.current().remove_colleague(actor, code, colleague)

    def reopen(self, actor: str, code: str) -> Reply:
        return self.tenants.current().reopen(actor, code)

    def report(self, actor: str, year: int, fmt: str = "pdf") -> Reply:
        return self.tenants.current().report(actor, year, fmt)

    def report_link(self, actor: str, year: int | None = None) -> Reply:
        return self.tenants.current().report_link(actor, year)

    def roles_form(self, actor: str, target: str = "") -> Reply:
        return self.tenants.current().roles_form(actor, target)

    def send_chart(self, actor: str) -> Reply:
        return self.tenants.current().send_chart(actor)

    def set_language(self, actor: str, word: str) -> Reply:
        return self.tenants.current().set_language(actor, word)

    def set_roles(self, actor: str, target: str, **changes: Any) -> Reply:
        """The roles to change, as ConversationPort.set_roles names them (the rest kept as they are)."""
        return self.tenants.current().set_roles(actor, target, **changes)

    def set_roles_from_form(self, actor: str, target: str, values: dict) -> Reply:
        return self.tenants.current().set_roles_from_form(actor, target, values)

    def show_case(self, actor: str, code: str) -> Reply:
        return self.tenants.current().show_case(actor, code)

    def snooze(self, actor: str, reminder_id: int, days: int) -> Reply:
        return self.tenants.current().snooze(actor, reminder_id, days)

    def stats(self, actor: str, start: dt.date, end: dt.date, fmt: str = "text") -> Reply:
        return self.tenants.current().stats(actor, start, end, fmt)

    def take_up(self, actor: str, code: str) -> Reply:
        return self.tenants.current().take_up(actor, code)

    def today(self, now: dt.datetime) -> dt.date:
        return self.tenants.current().today(now)

    def welcome(self, external_id: str) -> None:
        return self.tenants.current().welcome(external_id)

    def welcome_all(self, actor: str) -> Reply:
        return self.tenants.current().welcome_all(actor)


def _conforms(service: ConversationService, router: ServiceRouter) -> tuple[ConversationPort, ConversationPort]:
    """Never called: mypy checks here that the service and this router both satisfy the port, signature by
    signature (a Protocol is structural, so nothing else would notice a method that drifted)."""
    return service, router
