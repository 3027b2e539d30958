"""Many organisations in one deployment: one conversation service per Slack workspace, made on demand.

In single-token mode (one SWV, its config file) every request belongs to that one organisation. In OAuth mode
each workspace that installed the app is an organisation of its own (key = the Slack team id): its own
people and roles, settings, cases, reminders and figures. Nothing is shared between them but the process."""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from bot.chat import Chat
from bot.config import ConfigError, OrgConfig, hosted_config
from bot.i18n import LocalizedFlows
from bot.service import ConversationService, utcnow
from bot.texts import Texts
from flows.loader import load_all
from flows.model import Flow
from flows.translate import load_translations
from storage import events as event_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from storage.db import Store

log = logging.getLogger(__name__)
_team: contextvars.ContextVar[str | None] = contextvars.ContextVar("team", default=None)


def set_team(team_id: str | None) -> None:
    """The workspace of the request being handled (set by the Slack middleware)."""
    _team.set(team_id)


def current_team() -> str | None:
    return _team.get()


class NotInstalled(Exception):
    """A request from a workspace that has not installed the app (or removed it)."""


class Tenants:
    def __init__(
        self,
        *,
        store: Store,
        flows: dict[int, Flow],
        chat: Chat,
        single: OrgConfig | None,
        clock: Callable[[], dt.datetime] = utcnow,
        entry_point: str = "slack",
        texts: Texts | None = None,
        definitions: Path | None = None,
    ):
        self.store, self.chat, self.clock, self.entry_point = store, chat, clock, entry_point
        self.definitions = definitions
        self._lock = threading.Lock()
        self.flows = LocalizedFlows(load_translations(flows, definitions, strict=False))  # the standard meldcode
        # Each flow (the meldcode, or a variant an organisation adopted) is loaded once and shared.
        self._flows = {next(iter(flows.values())).id: self.flows}
        self.texts = texts or Texts(single.timezone if single else "Europe/Amsterdam")
        self._services: dict[str, ConversationService] = {}
        self.single = self._make(single) if single else None
        if self.single:
            self.single.bootstrap()

    @classmethod
    def wrap(cls, service: ConversationService) -> Tenants:
        """One ready service as the single organisation (tests, and callers that built their own)."""
        tenants = cls.__new__(cls)
        tenants.store, tenants.chat, tenants.clock = service.store, service.chat, service.clock
        tenants.entry_point, tenants.flows, tenants.texts = service.entry_point, service.flows, service.texts
        tenants._lock, tenants._services, tenants.single = threading.Lock(), {}, service
        tenants.definitions, tenants._flows = None, {service.latest.id: service.flows}
        return tenants

    def claim_event(self, event_id: str) -> bool:
        """Deduplicate retried platform events across processes (any organisation): True only the first time."""
        with self.store.transaction() as session:
            return event_repo.claim(session, event_id=event_id, now=self.clock())

    @staticmethod
    def _config(org) -> OrgConfig:
        """A hosted workspace's organisation, with the settings its operator stored (defaults otherwise)."""
        try:
            return hosted_config(
                key=org.key, name=org.name, timezone=org.timezone, flow_id=org.flow_id, settings_yaml=org.settings_yaml
            )
        except ConfigError as exc:  # stored settings were checked when set; never leave a workspace unserved
            log.error("stored settings invalid for an organisation: %s", len(exc.errors))
            return OrgConfig(key=org.key, name=org.name, timezone=org.timezone, people=(), flow_id=org.flow_id)

    def flows_for(self, flow_id: str) -> LocalizedFlows:
        with self._lock:
            flows = self._flows.get(flow_id)
        if flows is None:
            flows = LocalizedFlows(
                load_translations(load_all(self.definitions, flow_id), self.definitions, flow_id, strict=False)
            )
            with self._lock:
                self._flows[flow_id] = flows
        return flows

    def _make(self, config: OrgConfig) -> ConversationService:
        return ConversationService(
            store=self.store,
            flows=self.flows_for(config.flow_id),
            org=config,
            chat=self.chat,
            clock=self.clock,
            texts=self.texts,
            entry_point=self.entry_point,
        )

    def for_team(self, team_id: str | None) -> ConversationService | None:
        """The organisation of this workspace, or None when the app is not installed there."""
        if self.single is not None:
            return self.single
        if not team_id:
            return None
        with self._lock:
            service = self._services.get(team_id)
        if service is not None:
            return service
        with self.store.transaction() as session:
            org = org_repo.get_organisation(session, key=team_id)
            if org is None or org.uninstalled_at is not None:
                return None
            config = self._config(org)
        made = self._make(config)  # outside the lock: making one loads its flow (which takes the lock)
        with self._lock:
            return self._services.setdefault(team_id, made)

    def for_link(self, token: str) -> ConversationService:
        """The organisation a dossier link was made in (an unknown link: the first one, which refuses it)."""
        from bot.service.documents import token_hash
        from storage import links as link_repo

        if self.single is not None:
            return self.single
        with self.store.transaction() as session:
            org_id = link_repo.org_of(session, token_hash=token_hash(token if isinstance(token, str) else ""))
            org = org_repo.organisation_by_id(session, org_id=org_id) if org_id is not None else None
            key = org.key if org is not None else None
        service = (self.for_team(key) if key else None) or next(iter(self.all()), None)
        if service is None:
            raise NotInstalled("")
        return service

    def current(self) -> ConversationService:
        service = self.for_team(current_team())
        if service is None:
            raise NotInstalled(current_team() or "")
        return service

    def all(self) -> list[ConversationService]:
        """Every installed organisation, for the reminder passes, notices and the retention purge."""
        if self.single is not None:
            return [self.single]
        with self.store.transaction() as session:
            keys = [org.key for org in org_repo.installed_organisations(session)]
        return [s for s in (self.for_team(k) for k in keys) if s is not None]

    def every_organisation(self) -> list[ConversationService]:
        """Installed or not: retention goes on for an organisation that removed the app."""
        if self.single is not None:
            return [self.single]
        with self.store.transaction() as session:
            configs = [self._config(o) for o in org_repo.all_organisations(session)]
        return [self.for_team(c.key) or self._make(c) for c in configs]

    def install(self, *, team_id: str, team_name: str, installer: str | None, installer_name: str = "") -> None:
        """A workspace installed the app: it becomes an organisation; the installer is its first admin, who
        then gives people their roles in the App Home (the AF, deputies, the board)."""
        now = self.clock()
        with self.store.transaction() as session:
            org = org_repo.ensure_organisation(
                session, key=team_id, name=team_name or team_id, timezone="Europe/Amsterdam", now=now
            )
            org_repo.mark_uninstalled(session, org=org, now=None)
            if installer:
                person = org_repo.add_person(
                    session, org_id=org.id, external_id=installer, name=installer_name or installer
                )
                org_repo.make_admin(session, person=person)
        with self._lock:
            self._services.pop(team_id, None)
        log.info("organisation installed")

    def join(self, *, team_id: str | None, user_id: str, name: str) -> ConversationService | None:
        """A new member of an installed workspace: known from now on (no role yet), so admins can give one."""
        service = self.for_team(team_id)
        if service is None or self.single is not None:
            return service  # single-token mode: people come from the config file
        with self.store.transaction() as session:
            org = org_repo.organisation(session, key=service.org.key)
            if org_repo.get_person(session, org_id=org.id, external_id=user_id) is None:
                org_repo.add_person(session, org_id=org.id, external_id=user_id, name=name or user_id)
        return service

    def uninstall(self, team_id: str) -> bool:
        """The app was removed from a workspace: no more requests or DMs there; its data follows the
        organisation's retention (the daily purge), pending reminders are cancelled."""
        now = self.clock()
        with self.store.transaction() as session:
            org = org_repo.get_organisation(session, key=team_id)
            if org is None:
                return False
            org_repo.mark_uninstalled(session, org=org, now=now)
            reminder_repo.cancel_for_org(session, org_id=org.id, now=now)
        with self._lock:
            self._services.pop(team_id, None)
        log.info("organisation uninstalled")
        return True
