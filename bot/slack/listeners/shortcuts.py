"""Shortcuts: start a case from anywhere; record a message as a signal in a case (nothing is posted back)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.messages import Message, Reply
from bot.slack import blocks as kit
from bot.slack.ids import ShortcutId
from bot.slack.listeners.common import open_reply, port_of, user_of


def new_case(ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    service = port_of(context)
    open_reply(client, shortcut["trigger_id"], service.open_case(user_of(shortcut)), service.texts)


def message_signal(ack: Ack, shortcut: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    ack()
    service, user = port_of(context), user_of(shortcut)
    texts = service.texts
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
    if form.question is None:  # refused after all (the case was closed a moment ago)
        client.views_open(
            trigger_id=shortcut["trigger_id"], view=kit.info_modal(form, texts, title=texts("slack.add_signal"))
        )
        return
    text = (shortcut.get("message") or {}).get("text") or ""
    client.views_open(
        trigger_id=shortcut["trigger_id"], view=kit.message_signal_modal(form.question, cases, text, texts)
    )


def register(app: App) -> None:
    app.shortcut(ShortcutId.NEW_CASE.value)(new_case)
    app.shortcut(ShortcutId.MESSAGE_SIGNAL.value)(message_signal)
