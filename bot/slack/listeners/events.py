"""Events: the App Home is rebuilt whenever someone opens it; newcomers are known and welcomed; a workspace
that removes the app stops being served."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App, BoltContext
from slack_sdk import WebClient

from bot.slack import blocks as kit
from bot.slack.chat import SlackChat
from bot.slack.listeners.common import port_of
from bot.tenants import Tenants

log = logging.getLogger(__name__)


def home(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    if event.get("tab", "home") != "home":
        return
    service, user = port_of(context), event["user"]
    client.views_publish(user_id=user, view=kit.home_view(service.home(user), service.texts))


def register(app: App) -> None:
    app.event("app_home_opened")(home)


class Installs:
    """Events about the workspace itself, handled by the registry of organisations (not by one organisation's
    service: a newcomer's workspace may not be known yet, a removed one no longer is)."""

    def __init__(self, app: App, tenants: Tenants, chat: SlackChat):
        self.app, self.tenants, self.chat = app, tenants, chat

    def welcome(self, event: dict[str, Any], context: BoltContext) -> None:
        user = event.get("user") or {}
        if isinstance(user, dict) and user.get("id") and not user.get("is_bot"):
            name = str(user.get("real_name") or user.get("name") or user["id"])[:200]
            service = self.tenants.join(team_id=context.team_id, user_id=user["id"], name=name)
            if service is not None:
                service.welcome(user["id"])

    def remove(self, team_id: str | None) -> None:
        if not team_id:
            return
        self.tenants.uninstall(team_id)
        store = getattr(self.app, "installation_store", None)
        if store is not None:
            store.delete_installation(enterprise_id=None, team_id=team_id)
            store.delete_bot(enterprise_id=None, team_id=team_id)
        if self.chat.clients is not None:
            self.chat.clients.forget(team_id)

    def uninstalled(self, context: BoltContext) -> None:
        self.remove(context.team_id)

    def revoked(self, event: dict[str, Any], context: BoltContext) -> None:
        if (event.get("tokens") or {}).get("bot"):  # the bot's token is gone: as good as uninstalled
            self.remove(context.team_id)


def register_installs(app: App, tenants: Tenants, chat: SlackChat) -> None:
    installs = Installs(app, tenants, chat)
    app.event("team_join")(installs.welcome)
    app.event("app_uninstalled")(installs.uninstalled)
    app.event("tokens_revoked")(installs.revoked)
