"""Events: the App Home is rebuilt whenever someone opens it; newcomers are known and welcomed; a workspace
that removes the app stops being served."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.port import ConversationPort
from bot.slack import blocks as kit

log = logging.getLogger(__name__)


def register(app: App, service: ConversationPort) -> None:
    @app.event("app_home_opened")
    def home(event, client):
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        client.views_publish(user_id=user, view=kit.home_view(service.home(user), service.texts))


def register_installs(app: App, tenants, chat) -> None:
    """Events about the workspace itself, handled by the registry of organisations."""

    @app.event("team_join")
    def welcome(event, context):
        user = event.get("user") or {}
        if isinstance(user, dict) and user.get("id") and not user.get("is_bot"):
            name = str(user.get("real_name") or user.get("name") or user["id"])[:200]
            service = tenants.join(team_id=context.team_id, user_id=user["id"], name=name)
            if service is not None:
                service.welcome(user["id"])

    def remove(team_id: str | None) -> None:
        if not team_id:
            return
        tenants.uninstall(team_id)
        store = getattr(app, "installation_store", None)
        if store is not None:
            store.delete_installation(enterprise_id=None, team_id=team_id)
            store.delete_bot(enterprise_id=None, team_id=team_id)
        if chat.clients is not None:
            chat.clients.forget(team_id)

    @app.event("app_uninstalled")
    def uninstalled(context):
        remove(context.team_id)

    @app.event("tokens_revoked")
    def revoked(event, context):
        if (event.get("tokens") or {}).get("bot"):  # the bot's token is gone: as good as uninstalled
            remove(context.team_id)
