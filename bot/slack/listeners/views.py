"""Modal submissions: the answer is committed before the ack; errors go back onto their inputs."""

from __future__ import annotations

import datetime as dt

from slack_bolt import App

from bot.messages import Reply
from bot.port import ConversationPort
from bot.slack import blocks as kit
from bot.slack.ids import CallbackId
from bot.slack.listeners.common import replayed, reply_view
from bot.slack.payloads import view_metadata, view_values


def register(app: App, service: ConversationPort) -> None:
    texts = service.texts

    def respond(ack, view: dict, reply: Reply, **kwargs) -> None:
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
            ack(response_action="update", view=reply_view(reply, texts, **kwargs))

    @app.view(CallbackId.ANSWER.value)
    def answer(ack, body, view):
        meta = view_metadata(view)
        reply = service.answer(body["user"]["id"], meta.get("case", ""), meta.get("node", ""), view_values(view))
        respond(ack, view, reply)

    @app.view(CallbackId.ENTRY.value)
    def entry(ack, body, view):
        meta = view_metadata(view)
        kind = meta.get("kind") if meta.get("kind") in ("signal", "contact") else "signal"
        respond(ack, view, service.add_entry(body["user"]["id"], meta.get("case", ""), kind, view_values(view)))

    @app.view(CallbackId.MESSAGE_SIGNAL.value)
    def message_signal(ack, body, view):
        values = view_values(view)
        code = values.pop("case", "") or ""
        respond(ack, view, service.add_entry(body["user"]["id"], code, "signal", values))

    @app.view(CallbackId.FOLLOW_UP.value)
    def follow_up(ack, body, view):
        meta = view_metadata(view)
        respond(ack, view, service.follow_up(body["user"]["id"], meta.get("case", ""), view_values(view)))

    @app.view(CallbackId.CORRECTION.value)
    def correction(ack, body, view):
        meta, values = view_metadata(view), view_values(view)
        answer_id = int(values["answer"]) if str(values.get("answer", "")).isdigit() else 0
        respond(ack, view, service.correct(body["user"]["id"], meta.get("case", ""), answer_id, values.get("note", "")))

    @app.view(CallbackId.MOMENT.value)
    def moment(ack, body, view):
        meta, values = view_metadata(view), view_values(view)
        stamp = values.get("moment")
        when = dt.datetime.fromtimestamp(stamp, dt.UTC) if isinstance(stamp, int) else None
        respond(ack, view, service.propose_moment(body["user"]["id"], meta.get("case", ""), when))

    @app.view(CallbackId.REMINDER_DONE.value)
    def reminder_done(ack, body, view):
        ref = view_metadata(view).get("reminder", "")
        respond(
            ack,
            view,
            service.reminder_done(
                body["user"]["id"], int(ref) if ref.isdigit() else 0, view_values(view).get("note", "")
            ),
        )

    @app.view(CallbackId.INFO.value)
    def info(ack):
        ack()
