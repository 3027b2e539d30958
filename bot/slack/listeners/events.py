"""Events: the App Home is rebuilt whenever someone opens it; newcomers get a welcome DM."""
from __future__ import annotations

from slack_bolt import App

from bot.service import ConversationService
from bot.slack import blocks as kit


def register(app: App, service: ConversationService) -> None:
    @app.event("app_home_opened")
    def home(event, client):
        if event.get("tab", "home") != "home":
            return
        user = event["user"]
        client.views_publish(user_id=user, view=kit.home_view(service.home(user), service.texts))

    @app.event("team_join")
    def welcome(event):
        user = event.get("user") or {}
        if isinstance(user, dict) and user.get("id") and not user.get("is_bot"):
            service.welcome(user["id"])
