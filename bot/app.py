"""Wire settings, config, flows, storage and a Chat into a ready conversation service."""
from __future__ import annotations

import logging
from typing import Callable

from bot.chat import Chat
from bot.config import OrgConfig, load_config
from bot.errors import StartupError
from bot.service import ConversationService, utcnow
from bot.settings import Settings
from flows.loader import load_all
from storage import crypto
from storage.crypto import AUDIT_KEY_ID, KeyRing, append_key, create_key_file, load_key_file
from storage.db import Store

log = logging.getLogger(__name__)


class SchemaOutOfDate(StartupError):
    pass


class MissingKey(StartupError):
    pass


def load_keys(settings: Settings) -> KeyRing:
    """The encryption keys, from MELDCODE_KEYS or the key file, made active for this process.
    The embedded default creates an owner-only key file; with a server database a key is required."""
    if settings.encryption_keys:
        ring = KeyRing.parse(settings.encryption_keys)
    elif settings.key_file and settings.key_file.exists():
        ring = load_key_file(settings.key_file)
    elif settings.embedded_database and settings.key_file:
        ring = create_key_file(settings.key_file)
        log.warning("created encryption key file %s (readable by its owner only); back it up apart from "
                    "the database: without it the case data cannot be read", settings.key_file)
    else:
        raise MissingKey("no encryption key: set MELDCODE_KEYS or MELDCODE_KEY_FILE (see README); "
                         "refusing to start with a server database and no key")
    if ring.audit_key is None:
        if settings.encryption_keys:
            raise MissingKey("MELDCODE_KEYS has no 'audit:' entry, the audit trail's key "
                             "(make one with `meldcode keys new audit`)")
        ring = append_key(settings.key_file, AUDIT_KEY_ID)
    crypto.use(ring)
    return ring


def open_store(settings: Settings) -> Store:
    """The embedded SQLite is migrated automatically; a server database is migrated by the operator."""
    load_keys(settings)
    store = Store.from_url(settings.database_url)
    if not store.is_current():
        if settings.embedded_database:
            store.upgrade()
        else:
            store.dispose()
            raise SchemaOutOfDate("the database schema is not up to date: run `meldcode db upgrade`")
    return store


def build_service(settings: Settings, chat: Chat, *, config: OrgConfig | None = None,
                  clock: Callable = utcnow, store: Store | None = None,
                  entry_point: str = "console") -> ConversationService:
    config = config or load_config(settings.config_path)
    if config.is_demo:
        log.warning("no MELDCODE_CONFIG set: using the demo organisation")
    service = ConversationService(store=store or open_store(settings), flows=load_all(flow_id=config.flow_id),
                                  org=config,
                                  chat=chat, clock=clock, entry_point=entry_point)
    service.bootstrap()
    return service
