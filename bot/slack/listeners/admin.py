"""Administration in Slack (C5, C4, C2): roles, absences and the welcome from the App Home; the explanation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.messages import Message, Reply
from bot.slack import blocks as kit
from bot.slack.ids import ActionId, CallbackId
from bot.slack.listeners.common import PUBLIC_URL, port_of, replayed, reply_view, show_reply, user_of
from bot.slack.payloads import view_metadata, view_values

Body = dict[str, Any]


def _date(raw: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return None


def _refresh_home(client: WebClient, context: BoltContext, user: str) -> None:
    service = port_of(context)
    client.views_publish(user_id=user, view=kit.home_view(service.home(user), service.texts))


def _form(body: Body, client: WebClient, context: BoltContext, form: str, callback_id: CallbackId, title: str) -> None:
    service = port_of(context)
    reply = service.roles_form(user_of(body)) if form == "roles" else service.absence_form(user_of(body))
    show_reply(client, body, reply, service.texts, callback_id=callback_id, title=title)


def manage_roles(ack: Ack, body: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _form(body, client, context, "roles", CallbackId.ROLES_PICK, "slack.roles_title")


def record_absence(ack: Ack, body: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _form(body, client, context, "absence", CallbackId.ABSENCE, "slack.absence_title")


def welcome_all(ack: Ack, body: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    service = port_of(context)
    show_reply(client, body, service.welcome_all(user_of(body)), service.texts, title="slack.welcome_title")


def roles_pick(ack: Ack, body: Body, view: Body, context: BoltContext) -> None:
    """The person is picked: the same modal turns into their roles, as they are now."""
    service = port_of(context)
    target = str(view_values(view).get("person") or "")[:64]
    reply = service.roles_form(user_of(body), target)
    ack(
        response_action="update",
        view=reply_view(
            reply, service.texts, callback_id=CallbackId.ROLES, meta={"person": target}, title="slack.roles_title"
        ),
    )


def roles(ack: Ack, body: Body, view: Body, client: WebClient, context: BoltContext) -> None:
    service, user = port_of(context), user_of(body)
    reply = service.set_roles_from_form(user, view_metadata(view).get("person", ""), view_values(view))
    if not reply.ok and reply.error in ("af_must_be_om", "af_and_deputy", "unknown_role"):
        ack(response_action="errors", errors={"f:roles": reply.text()[:300]})  # the choices stay as made
        return
    ack(response_action="update", view=reply_view(reply, service.texts, title="slack.roles_title"))
    if reply.ok:
        _refresh_home(client, context, user)


def absence(ack: Ack, body: Body, view: Body, client: WebClient, context: BoltContext) -> None:
    service, user, values = port_of(context), user_of(body), view_values(view)
    reply = service.record_absence(
        user, str(values.get("person") or "")[:64], _date(values.get("start")), _date(values.get("end"))
    )
    if not reply.ok and reply.error in ("absence_order", "absence_past", "absence_dates"):
        # Wrong dates: say so on the date input and keep the modal as typed.
        ack(response_action="errors", errors={"f:end": reply.text()[:300]})
        return
    ack(response_action="update", view=reply_view(reply, service.texts, title="slack.absence_title"))
    if reply.ok:
        _refresh_home(client, context, user)


def feedback(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    """C7: the close-of-case question, answered from the modal or the DM it came in."""
    ack()
    service = port_of(context)
    code, _, word = (action.get("value") or "").partition(":")
    show_reply(
        client, body, service.feedback(user_of(body), code[:20], word[:10]), service.texts, title="slack.feedback_title"
    )


def stats_chart(ack: Ack, body: Body, client: WebClient, context: BoltContext) -> None:
    """C7: this year's chart, uploaded into the asker's own DM."""
    ack()
    service = port_of(context)
    show_reply(client, body, service.send_chart(user_of(body)), service.texts, title="slack.figures_title")


def report(ack: Ack, body: Body, client: WebClient, context: BoltContext) -> None:
    """C7: the yearly evaluation report, never in Slack: one-time links to the bot's own server (last year's
    and this year's so far) in the asker's own modal; without a public address, where to get it instead."""
    ack()
    service, user = port_of(context), user_of(body)
    texts, base = service.texts, context.get(PUBLIC_URL)
    if not base:
        show_reply(
            client,
            body,
            Reply(messages=[Message(texts("evaluation.no_public_url"))]),
            texts,
            title="slack.report_title",
        )
        return
    reply = service.report_link(user)
    if replayed(reply):
        return
    lead = kit.link_blocks(reply.messages, [texts("evaluation.open")] * len(reply.messages), base) if reply.ok else None
    view = kit.info_modal(
        reply, texts, title=texts("slack.report_title" if reply.ok else "slack.refused_title"), lead=lead
    )
    client.views_open(trigger_id=body["trigger_id"], view=view)


def explain(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    """C2: the interactive explanation, step by step, in a modal."""
    ack()
    service = port_of(context)
    step = (action.get("value") or "").partition(":")[2][:20]
    show_reply(client, body, service.explain(step), service.texts, title="slack.explain_title")


def register(app: App) -> None:
    app.action(ActionId.MANAGE_ROLES.value)(manage_roles)
    app.action(ActionId.RECORD_ABSENCE.value)(record_absence)
    app.action(ActionId.WELCOME_ALL.value)(welcome_all)
    app.view(CallbackId.ROLES_PICK.value)(roles_pick)
    app.view(CallbackId.ROLES.value)(roles)
    app.view(CallbackId.ABSENCE.value)(absence)
    app.action(ActionId.FEEDBACK.value)(feedback)
    app.action(ActionId.STATS_CHART.value)(stats_chart)
    app.action(ActionId.REPORT.value)(report)
    app.action(ActionId.EXPLAIN.value)(explain)
