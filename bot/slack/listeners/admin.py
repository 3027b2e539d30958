"""Administration in Slack (C5, C4, C2): roles, absences and the welcome from the App Home; the explanation."""

from __future__ import annotations

import datetime as dt

from slack_bolt import App

from bot.port import ConversationPort
from bot.slack import blocks as kit
from bot.slack.ids import ActionId, CallbackId
from bot.slack.listeners.common import reply_view, show_reply
from bot.slack.payloads import view_metadata, view_values


def _date(raw) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


def register(app: App, service: ConversationPort) -> None:
    texts = service.texts

    def refresh_home(client, user: str) -> None:
        client.views_publish(user_id=user, view=kit.home_view(service.home(user), texts))

    @app.action(ActionId.MANAGE_ROLES.value)
    def manage_roles(ack, body, client):
        ack()
        show_reply(client, body, service.roles_form(body["user"]["id"]), texts, callback_id=CallbackId.ROLES_PICK)

    @app.action(ActionId.RECORD_ABSENCE.value)
    def record_absence(ack, body, client):
        ack()
        show_reply(client, body, service.absence_form(body["user"]["id"]), texts, callback_id=CallbackId.ABSENCE)

    @app.action(ActionId.WELCOME_ALL.value)
    def welcome_all(ack, body, client):
        ack()
        show_reply(client, body, service.welcome_all(body["user"]["id"]), texts)

    @app.view(CallbackId.ROLES_PICK.value)
    def roles_pick(ack, body, view):
        """The person is picked: the same modal turns into their roles, as they are now."""
        target = str(view_values(view).get("person") or "")[:64]
        reply = service.roles_form(body["user"]["id"], target)
        ack(
            response_action="update",
            view=reply_view(reply, texts, callback_id=CallbackId.ROLES, meta={"person": target}),
        )

    @app.view(CallbackId.ROLES.value)
    def roles(ack, body, view, client):
        user = body["user"]["id"]
        reply = service.set_roles_from_form(user, view_metadata(view).get("person", ""), view_values(view))
        if not reply.ok and reply.error in ("af_must_be_om", "af_and_deputy", "unknown_role"):
            ack(response_action="errors", errors={"f:roles": reply.text()[:300]})  # the choices stay as made
            return
        ack(response_action="update", view=reply_view(reply, texts))
        if reply.ok:
            refresh_home(client, user)

    @app.view(CallbackId.ABSENCE.value)
    def absence(ack, body, view, client):
        user, values = body["user"]["id"], view_values(view)
        reply = service.record_absence(
            user, str(values.get("person") or "")[:64], _date(values.get("start")), _date(values.get("end"))
        )
        if not reply.ok and reply.error in ("absence_order", "absence_past", "absence_dates"):
            # Wrong dates: say so on the date input and keep the modal as typed.
            ack(response_action="errors", errors={"f:end": reply.text()[:300]})
            return
        ack(response_action="update", view=reply_view(reply, texts))
        if reply.ok:
            refresh_home(client, user)

    @app.action(ActionId.FEEDBACK.value)
    def feedback(ack, body, action, client):
        """C7: the close-of-case question, answered from the modal or the DM it came in."""
        ack()
        code, _, word = (action.get("value") or "").partition(":")
        show_reply(client, body, service.feedback(body["user"]["id"], code[:20], word[:10]), texts)

    @app.action(ActionId.STATS_CHART.value)
    def stats_chart(ack, body, client):
        """C7: this year's chart, uploaded into the asker's own DM."""
        ack()
        show_reply(client, body, service.send_chart(body["user"]["id"]), texts)

    @app.action(ActionId.EXPLAIN.value)
    def explain(ack, body, action, client):
        """C2: the interactive explanation, step by step, in a modal."""
        ack()
        step = (action.get("value") or "").partition(":")[2][:20]
        show_reply(client, body, service.explain(step), texts)
