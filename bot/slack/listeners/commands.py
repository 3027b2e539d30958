"""/meldcode: nieuw, mijn, uitleg, help, acuut, or a case code. Answers are ephemeral."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.slack import blocks as kit
from bot.slack.ids import COMMAND
from bot.slack.listeners.common import open_reply, port_of, replayed

log = logging.getLogger(__name__)
# A command that opens a modal is acknowledged at once; the modal is opened right after, off the request (its
# trigger_id holds 3 s). The request's context goes along: its workspace, its language, its claim on the trigger.
_AFTER_ACK = ThreadPoolExecutor(max_workers=8, thread_name_prefix="after-ack")


def after_ack(work: Callable[[], None]) -> None:
    def run() -> None:
        try:
            work()
        except Exception as exc:  # as Bolt's error handler does: the kind, never the payload
            log.error("opening a modal failed: %s", type(exc).__name__)

    _AFTER_ACK.submit(contextvars.copy_context().run, run)


def meldcode(ack: Ack, command: dict[str, Any], client: WebClient, context: BoltContext) -> None:
    """A new sub-command: a branch here, its line in the help text (slack.help) and in manifest.yml's hint."""
    service = port_of(context)
    texts = service.texts
    words = (command.get("text") or "").split()
    sub, user = (words[0].lower() if words else "help"), command["user_id"]
    if sub == "nieuw":
        ack()
        after_ack(lambda: open_reply(client, command["trigger_id"], service.open_case(user), texts))
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
        code, trigger = sub.upper(), command["trigger_id"]
        after_ack(lambda: open_reply(client, trigger, service.show_case(user, code), texts, overview=True))
    else:
        ack(text=texts("slack.help"))


def register(app: App) -> None:
    app.command(COMMAND)(meldcode)
