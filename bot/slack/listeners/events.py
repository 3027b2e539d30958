"""Events: the App Home is rebuilt whenever someone opens it."""
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
