"""Slack installations (OAuth, many workspaces): slack_sdk's SQLAlchemy stores on our engine, with every token
encrypted at rest like case data (AES-GCM, key ids, column-bound AAD)."""

from __future__ import annotations

import copy
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from storage import crypto
from storage.db import Store

TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
BOTS_TABLE, INSTALLATIONS_TABLE, STATES_TABLE = "slack_bots", "slack_installations", "slack_oauth_states"


def _seal(value: Any, field: str) -> Any:
    return crypto.active().encrypt(value, f"slack.{field}") if isinstance(value, str) and value else value


def _open(value: Any, field: str) -> Any:
    return crypto.active().decrypt(value, f"slack.{field}") if isinstance(value, str) and value else value


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """Tokens are sealed before they reach the database and opened when read; the rest is slack_sdk's."""

    def save(self, installation: Installation):
        sealed = copy.copy(installation)
        for field in TOKEN_FIELDS:
            if hasattr(sealed, field):
                setattr(sealed, field, _seal(getattr(sealed, field), field))
        # slack_sdk saves the bot through to_bot(), which copies the sealed tokens.
        super().save(sealed)

    def save_bot(self, bot: Bot):
        if getattr(bot, "bot_token", None) and not str(bot.bot_token).startswith("mc1:"):
            bot = copy.copy(bot)
            for field in ("bot_token", "bot_refresh_token"):
                setattr(bot, field, _seal(getattr(bot, field, None), field))
        super().save_bot(bot)

    @classmethod
    def build_installation_entity(cls, row) -> Installation:
        return super().build_installation_entity(_opened(row))

    @classmethod
    def build_bot_entity(cls, row) -> Bot:
        return super().build_bot_entity(_opened(row))


def _opened(row) -> dict[str, Any]:
    values = dict(row)
    for field in TOKEN_FIELDS:
        if field in values:
            values[field] = _open(values[field], field)
    return values


def slack_tables(metadata):
    """The tables slack_sdk reads and writes (migration 0009 creates them)."""
    return [
        SQLAlchemyInstallationStore.build_installations_table(metadata, INSTALLATIONS_TABLE),
        SQLAlchemyInstallationStore.build_bots_table(metadata, BOTS_TABLE),
        SQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, STATES_TABLE),
    ]


def installation_store(store: Store, client_id: str) -> EncryptedInstallationStore:
    return EncryptedInstallationStore(
        client_id=client_id,
        engine=store.engine,
        bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE,
    )


def state_store(store: Store, expiration_seconds: int = 600) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=expiration_seconds, engine=store.engine, table_name=STATES_TABLE
    )
