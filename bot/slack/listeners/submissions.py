"""Modal submissions: the answer is committed before the ack; errors go back onto their inputs.

A new modal: a `CallbackId`, a function below that turns its values into one service call, and a line in
SUBMISSIONS.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.messages import Reply
from bot.slack import blocks as kit
from bot.slack.ids import CallbackId
from bot.slack.listeners.common import port_of, replayed, reply_view, user_of
from bot.slack.payloads import view_metadata, view_values
from flows.vocabulary import HELP_PLAN

Body = dict[str, Any]


def respond(ack: Ack, view: Body, reply: Reply, context: BoltContext) -> None:
    texts = port_of(context).texts
    if replayed(reply):
        ack()  # a replay of a submission applied before: nothing more
    elif reply.errors:
        ack(response_action="errors", errors=kit.field_errors(reply.errors))
    elif not reply.ok:
        inputs = [b["block_id"] for b in view.get("blocks", []) if b.get("type") == "input"]
        if inputs and reply.error in ("database_down", "database_busy", "concurrent_change"):
            # Not saved (the database is down or busy, or someone was first): keep the modal open with
            # everything the user typed.
            ack(response_action="errors", errors={inputs[0]: reply.text()[:300]})
        else:
            ack(response_action="update", view=reply_view(reply, texts))
    else:
        ack(response_action="update", view=reply_view(reply, texts))


def answer(ack: Ack, body: Body, view: Body, context: BoltContext) -> None:
    meta = view_metadata(view)
    draft = meta.get("draft") if isinstance(meta.get("draft"), str) else None  # a new case's form (no second case)
    reply = port_of(context).answer(user_of(body), meta.get("case", ""), meta.get("node", ""), view_values(view), draft)
    respond(ack, view, reply, context)


def entry(ack: Ack, body: Body, view: Body, context: BoltContext) -> None:
    meta = view_metadata(view)
    kind = str(meta.get("kind")) if meta.get("kind") in ("contact", "sisa", HELP_PLAN) else "signal"
    reply = port_of(context).add_entry(user_of(body), meta.get("case", ""), kind, view_values(view))
    respond(ack, view, reply, context)


def message_signal(ack: Ack, body: Body, view: Body, context: BoltContext) -> None:
    values = view_values(view)
    code = values.pop("case", "") or ""
    respond(ack, view, port_of(context).add_entry(user_of(body), code, "signal", values), context)


def follow_up(ack: Ack, body: Body, view: Body, context: BoltContext) -> None:
    meta = view_metadata(view)
    reply = port_of(context).follow_up(user_of(body), meta.get("case", ""), view_values(view))
    respond(ack, view, reply, context)


def correction(ack: Ack, body: Body, view: Body, context: BoltContext) -> None:
    meta, values = view_metadata(view), view_values(view)
    answer_id = int(values["answer"]) if str(values.get("answer", "")).isdigit() else 0
    reply = port_of(context).correct(user_of(body), meta.get("case", ""), answer_id, values.get("note", ""))
    respond(ack, view, reply, context)


def moment(ack: Ack, body: Body, view: Body, context: BoltContext) -> None:
    meta, values = view_metadata(view), view_values(view)
    stamp = values.get("moment")
    when = dt.datetime.fromtimestamp(stamp, dt.UTC) if isinstance(stamp, int) else None
    respond(ack, view, port_of(context).propose_moment(user_of(body), meta.get("case", ""), when), context)


def reminder_done(ack: Ack, body: Body, view: Body, context: BoltContext) -> None:
    ref, values = view_metadata(view).get("reminder", ""), view_values(view)
    reminder = int(ref) if ref.isdigit() else 0
    reply = port_of(context).reminder_done(user_of(body), reminder, values.get("note", ""), values.get("new_signals"))
    respond(ack, view, reply, context)


def info(ack: Ack) -> None:
    ack()


SUBMISSIONS: dict[CallbackId, Callable[..., None]] = {
    CallbackId.ANSWER: answer,
    CallbackId.ENTRY: entry,
    CallbackId.MESSAGE_SIGNAL: message_signal,
    CallbackId.FOLLOW_UP: follow_up,
    CallbackId.CORRECTION: correction,
    CallbackId.MOMENT: moment,
    CallbackId.REMINDER_DONE: reminder_done,
    CallbackId.INFO: info,
}


def register(app: App) -> None:
    for callback_id, listener in SUBMISSIONS.items():
        app.view(callback_id.value)(listener)
