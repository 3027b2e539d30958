"""Buttons (in DMs, the App Home and case modals): each acks, calls the service, shows the result."""

from __future__ import annotations

from slack_bolt import App

from bot.port import ConversationPort
from bot.slack import blocks as kit
from bot.slack.ids import ActionId, CallbackId
from bot.slack.listeners.common import replayed, show_reply


def register(app: App, service: ConversationPort) -> None:
    texts = service.texts

    def show(client, body, reply, **kwargs):
        """From a modal, replace it; from a message or the Home tab, open a new one."""
        show_reply(client, body, reply, texts, **kwargs)

    def code_of(action) -> str:
        return (action.get("value") or "").split(":", 1)[0][:20]

    def ref_of(action) -> int:
        ref = (action.get("value") or "").partition(":")[2]
        return int(ref) if ref.isdigit() else 0

    @app.action(ActionId.OPEN_CASE.value)
    def open_case(ack, body, action, client):
        ack()
        show(client, body, service.show_case(body["user"]["id"], code_of(action)), overview=True)

    @app.action(ActionId.CONTINUE.value)
    def go_on(ack, body, action, client):
        ack()
        show(client, body, service.question(body["user"]["id"], code_of(action)))

    @app.action(ActionId.TAKE_UP.value)
    def take_up(ack, body, action, client):
        ack()
        show(client, body, service.take_up(body["user"]["id"], code_of(action)))

    @app.action(ActionId.HAND_TO_DEPUTY.value)
    def hand_over(ack, body, action, client):
        ack()
        show(client, body, service.hand_to_deputy(body["user"]["id"], code_of(action)))

    @app.action(ActionId.NEW_CASE.value)
    def new_case(ack, body, client):
        ack()
        show(client, body, service.open_case(body["user"]["id"]))

    @app.action(ActionId.ACUTE.value)
    def acute(ack, body, action, client):
        ack()
        show(client, body, service.acute(body["user"]["id"], code_of(action) or None))

    @app.action(ActionId.REOPEN.value)
    def reopen(ack, body, action, client):
        ack()
        show(client, body, service.reopen(body["user"]["id"], code_of(action)))

    @app.action(ActionId.PROPOSE_MOMENT.value)
    def propose(ack, body, action, client):
        ack()
        reply = service.moment_form(body["user"]["id"], code_of(action))  # access checked and audited first
        if not reply.ok:
            show(client, body, reply)
            return
        client.views_open(trigger_id=body["trigger_id"], view=kit.moment_modal(code_of(action), texts))

    @app.action(ActionId.EXPORT.value)
    def export(ack, body, action, client):
        """The dossier in a private modal (to copy into the pupil file); never posted in a conversation."""
        ack()
        code = code_of(action)
        reply = service.export(body["user"]["id"], code)
        if replayed(reply):
            return
        view = kit.info_modal(
            reply,
            texts,
            title=texts("slack.dossier_title", code=code) if reply.ok else texts("slack.meldcode_title"),
            code=code,
        )
        modal = body.get("view") or {}
        if modal.get("type") == "modal":
            client.views_update(view_id=modal["id"], hash=modal.get("hash"), view=view)
        else:
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(ActionId.SNOOZE_DAY.value)
    def snooze_day(ack, body, action, client):
        ack()
        show(client, body, service.snooze(body["user"]["id"], ref_of(action), 1))

    @app.action(ActionId.SNOOZE_WEEK.value)
    def snooze_week(ack, body, action, client):
        ack()
        show(client, body, service.snooze(body["user"]["id"], ref_of(action), 7))

    @app.action(ActionId.REMINDER_DONE.value)
    def reminder_done(ack, body, action, client):
        form(
            ack,
            body,
            action,
            client,
            service.reminder_done_form(body["user"]["id"], code_of(action), ref_of(action)),
            CallbackId.REMINDER_DONE,
            reminder=str(ref_of(action)),
        )

    def form(ack, body, action, client, reply, callback_id, **meta):
        ack()
        show(client, body, reply, callback_id=callback_id, meta=meta)

    @app.action(ActionId.ADD_SIGNAL.value)
    def add_signal(ack, body, action, client):
        form(
            ack,
            body,
            action,
            client,
            service.entry_form(body["user"]["id"], code_of(action), "signal"),
            CallbackId.ENTRY,
            kind="signal",
        )

    @app.action(ActionId.ADD_CONTACT.value)
    def add_contact(ack, body, action, client):
        form(
            ack,
            body,
            action,
            client,
            service.entry_form(body["user"]["id"], code_of(action), "contact"),
            CallbackId.ENTRY,
            kind="contact",
        )

    @app.action(ActionId.FOLLOW_UP.value)
    def follow_up(ack, body, action, client):
        form(
            ack, body, action, client, service.follow_up_form(body["user"]["id"], code_of(action)), CallbackId.FOLLOW_UP
        )

    @app.action(ActionId.CORRECT.value)
    def correct(ack, body, action, client):
        form(
            ack,
            body,
            action,
            client,
            service.correction_form(body["user"]["id"], code_of(action)),
            CallbackId.CORRECTION,
        )
