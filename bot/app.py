"""Wire settings, config, flows, storage and a Chat into a ready conversation service."""
from __future__ import annotations

import logging
from typing import Callable

from bot.chat import Chat
from bot.config import OrgConfig, load_config
from bot.service import ConversationService, utcnow
from bot.settings import Settings
from flows.loader import load_all
from storage.db import Store

log = logging.getLogger(__name__)


class SchemaOutOfDate(Exception):
    pass


def open_store(settings: Settings) -> Store:
    """The embedded SQLite is migrated automatically; a server database is migrated by the operator."""
    store = Store.from_url(settings.database_url)
    if not store.is_current():
        if settings.embedded_database:
            store.upgrade()
        else:
            store.dispose()
            raise SchemaOutOfDate("the database schema is not up to date: run `meldcode db upgrade`")
    return store


def build_service(settings: Settings, chat: Chat, *, config: OrgConfig | None = None,
                  clock: Callable = utcnow, store: Store | None = None) -> ConversationService:
    config = config or load_config(settings.config_path)
    if config.is_demo:
        log.warning("no MELDCODE_CONFIG set: using the demo organisation")
    service = ConversationService(store=store or open_store(settings), flows=load_all(), org=config,
                                  chat=chat, clock=clock)
    service.bootstrap()
    return service
