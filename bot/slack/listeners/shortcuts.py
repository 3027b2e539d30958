"""Shortcuts: start a case from anywhere; record a message as a signal in a case (nothing is posted back)."""

from __future__ import annotations

from slack_bolt import App

from bot.messages import Message, Reply
from bot.port import ConversationPort
from bot.slack import blocks as kit
from bot.slack.ids import ShortcutId
from bot.slack.listeners.common import open_reply


def register(app: App, service: ConversationPort) -> None:
    texts = service.texts

    @app.shortcut(ShortcutId.NEW_CASE.value)
    def new_case(ack, shortcut, client):
        ack()
        open_reply(client, shortcut["trigger_id"], service.open_case(shortcut["user"]["id"]), texts)

    @app.shortcut(ShortcutId.MESSAGE_SIGNAL.value)
    def message_signal(ack, shortcut, client):
        ack()
        user = shortcut["user"]["id"]
        cases = service.open_cases_of(user)
        if cases is None:
            return  # refused (a replay of this request, or someone the bot does not know)
        if not cases:
            reply = Reply(messages=[Message(texts("slack.no_open_cases"))])
            client.views_open(
                trigger_id=shortcut["trigger_id"], view=kit.info_modal(reply, texts, title=texts("slack.add_signal"))
            )
            return
        form = service.entry_form(user, cases[0][0], "signal")
        text = (shortcut.get("message") or {}).get("text") or ""
        client.views_open(
            trigger_id=shortcut["trigger_id"], view=kit.message_signal_modal(form.question, cases, text, texts)
        )
