"""Each person's language (nl or en): chosen by a command, or taken once from their Slack locale."""

from __future__ import annotations

import threading
import time

from bot import i18n
from bot.errors import Denied
from bot.messages import Message, Reply
from bot.service.call import Call, operation
from bot.service.core import Core
from bot.service.part import Part
from flows.translate import LANGUAGES
from storage import organisations as org_repo
from storage.db import DatabaseError

WORDS = {"nl": "nl", "nederlands": "nl", "dutch": "nl", "en": "en", "english": "en", "engels": "en"}
CACHE_SECONDS = 60.0  # another replica's change reaches this one within a minute


class Preferences(Part):
    def __init__(self, core: Core) -> None:
        super().__init__(core)
        self._language_lock = threading.Lock()
        self._language_cache: dict[str, tuple[str | None, float]] = {}

    @operation("write")
    def set_language(self, call: Call, word: str) -> Reply:
        """`/taal en`: from now on the bot speaks this language with this person, everywhere."""
        language = WORDS.get(word.strip().lower())

        if language is None:
            raise Denied("unknown_language")
        org_repo.set_language(call.session, person_id=call.person.id, language=language)
        self._remember(call.person.external_id, language)
        with i18n.speaking(language):
            return Reply(messages=[Message(self.texts("replies.language_set"))])

    def language_of(self, external_id: str) -> str | None:
        """The stored language (None: not chosen yet), cached briefly: every Slack request asks."""
        now = time.monotonic()
        with self._lock():
            cached = self._language_cache.get(external_id)
        if cached and cached[1] > now:
            return cached[0]
        try:
            with self.core.store.transaction() as session:
                org = org_repo.get_organisation(session, key=self.core.org.key)
                person = org_repo.get_person(session, org_id=org.id, external_id=external_id) if org else None
                language = person.language if person else None
        except DatabaseError:
            return i18n.DEFAULT  # the database is down: the event itself will say so, in Dutch
        self._remember(external_id, language)
        return language

    def adopt_locale(self, external_id: str, locale: str | None) -> str:
        """A person's Slack locale (en-US, nl-NL) becomes their language until they choose one."""
        language = i18n.normalise(locale)
        try:
            with self.core.store.transaction() as session:
                org = org_repo.get_organisation(session, key=self.core.org.key)
                person = org_repo.get_person(session, org_id=org.id, external_id=external_id) if org else None
                if person is not None and person.language is None:
                    org_repo.set_language(session, person_id=person.id, language=language)
        except DatabaseError:
            return language  # kept for this request only; stored another time
        self._remember(external_id, language)
        return language

    def _remember(self, external_id: str, language: str | None) -> None:
        with self._lock():
            self._language_cache[external_id] = (
                language if language in LANGUAGES else None,
                time.monotonic() + CACHE_SECONDS,
            )

    def _lock(self) -> threading.Lock:
        return self._language_lock
