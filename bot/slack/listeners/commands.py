"""/meldcode: nieuw, mijn, uitleg, help, acuut, or a case code. Answers are ephemeral."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import blocks as kit
from bot.slack.ids import COMMAND
from bot.slack.listeners.common import open_reply, port_of, replayed


def meldcode(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A new sub-command: a branch here, its line in the help text (slack.help) and in manifest.yml's hint."""
    service = port_of(context)
    texts = service.texts
    words = (command.get("text") or "").split()
    sub, user = (words[0].lower() if words else "help"), command["user_id"]
    if sub == "nieuw":
        ack()
        open_reply(client, command["trigger_id"], service.open_case(user), texts)
    elif sub == "mijn":
        reply = service.my_cases(user)
        ack() if replayed(reply) else ack(blocks=kit.reply_blocks(reply, texts), text=texts("slack.meldcode_title"))
    elif sub == "uitleg":
        ack(blocks=kit.reply_blocks(service.explain(), texts), text=texts("slack.meldcode_title"))
    elif sub in ("taal", "language"):
        reply = service.set_language(user, words[1] if len(words) > 1 else "")
        ack() if replayed(reply) else ack(text=reply.text())
    elif sub == "acuut":
        reply = service.acute(user)
        ack() if replayed(reply) else ack(blocks=kit.reply_blocks(reply, texts), text=reply.text())
    elif sub.upper().startswith("MC-"):
        ack()
        open_reply(client, command["trigger_id"], service.show_case(user, sub.upper()), texts, overview=True)
    else:
        ack(text=texts("slack.help"))


def register(app: App) -> None:
    app.command(COMMAND)(meldcode)
