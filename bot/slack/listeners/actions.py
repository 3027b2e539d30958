"""Buttons (in DMs, the App Home and case modals): each acks, calls the service, shows the result.

A new button: an `ActionId`, a function below taking what it needs of Bolt's arguments, and a line in ACTIONS.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.messages import Message, Reply
from bot.slack import blocks as kit
from bot.slack.ids import VALUE, ActionId, CallbackId
from bot.slack.listeners.common import PUBLIC_URL, code_of, port_of, ref_of, replayed, show_reply, user_of
from bot.slack.overview import timeline_blocks
from bot.slack.payloads import view_metadata, view_values
from flows.vocabulary import HELP_PLAN

Body = dict[str, Any]


def _show(context: BoltContext, client: WebClient, body: Body, reply: Reply, **kwargs: Any) -> None:
    show_reply(client, body, reply, port_of(context).texts, **kwargs)


def open_case(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).show_case(user_of(body), code_of(action)), overview=True)


def timeline(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    """The whole timeline of a case, pushed over its overview (read again, with the same access check)."""
    ack()
    port = port_of(context)
    reply = port.show_case(user_of(body), code_of(action))
    if replayed(reply) or reply.overview is None:
        _show(context, client, body, reply)
        return
    code, texts = code_of(action), port.texts
    view = kit.info_modal(
        Reply(messages=reply.messages[:1]),  # the timeline alone (its lead replaces the overview's text)
        texts,
        title=texts("case_view.timeline_title"),
        code=code,
        lead=timeline_blocks(reply.overview, texts, code, everything=True),
    )
    client.views_push(trigger_id=body["trigger_id"], view=view)


def go_on(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).question(user_of(body), code_of(action)))


def take_up(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).take_up(user_of(body), code_of(action)))


def hand_over(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).hand_to_deputy(user_of(body), code_of(action)))


def new_case(ack: Ack, body: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).open_case(user_of(body)))


def acute(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(
        context, client, body, port_of(context).acute(user_of(body), code_of(action) or None), title="slack.acute_title"
    )


def reopen(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).reopen(user_of(body), code_of(action)))


def propose(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    service = port_of(context)
    reply = service.moment_form(user_of(body), code_of(action))  # access checked and audited first
    if not reply.ok:
        _show(context, client, body, reply)
        return
    client.views_open(trigger_id=body["trigger_id"], view=kit.moment_modal(code_of(action), service.texts))


def export(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    """The dossier, never in Slack: a one-time link to the bot's own server for this person (HTML and PDF), in
    their own modal; without a public address, where to get it instead (the console, the command line)."""
    ack()
    service, code, user = port_of(context), code_of(action), user_of(body)
    texts, base = service.texts, context.get(PUBLIC_URL)
    if base:
        replies = [service.dossier_link(user, code, fmt) for fmt in ("html", "pdf")]
        if any(replayed(r) for r in replies):
            return
        reply = replies[0] if not replies[0].ok else Reply(messages=[m for r in replies for m in r.messages])
        labels = [texts("dossier.open_html"), texts("dossier.open_pdf")]
        lead = None if not reply.ok else kit.link_blocks(reply.messages, labels, base)
    else:
        reply = service.show_case(user, code)  # the same access check (audited) before saying where to get it
        if replayed(reply):
            return
        reply = Reply(messages=[Message(texts("dossier.no_public_url"))]) if reply.ok else reply
        lead = None
    title = texts("slack.dossier_title", code=code) if reply.ok else texts("slack.refused_title")
    view = kit.info_modal(reply, texts, title=title, code=code, lead=lead)
    modal = body.get("view") or {}
    if modal.get("type") == "modal":
        client.views_update(view_id=modal["id"], hash=modal.get("hash"), view=view)
    else:
        client.views_open(trigger_id=body["trigger_id"], view=view)


def snooze_day(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).snooze(user_of(body), ref_of(action), 1))


def snooze_week(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).snooze(user_of(body), ref_of(action), 7))


def reminder_done(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    reply = port_of(context).reminder_done_form(user_of(body), code_of(action), ref_of(action))
    _show(context, client, body, reply, callback_id=CallbackId.REMINDER_DONE, meta={"reminder": str(ref_of(action))})


def _entry(context: BoltContext, client: WebClient, body: Body, action: Body, kind: str) -> None:
    """The form for something recorded at any moment (a signal, a contact, SISA, a new help plan)."""
    reply = port_of(context).entry_form(user_of(body), code_of(action), kind)
    _show(context, client, body, reply, callback_id=CallbackId.ENTRY, meta={"kind": kind})


def add_signal(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _entry(context, client, body, action, "signal")


def add_contact(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _entry(context, client, body, action, "contact")


def add_sisa(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _entry(context, client, body, action, "sisa")


def help_plan(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _entry(context, client, body, action, HELP_PLAN)


def follow_up(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    reply = port_of(context).follow_up_form(user_of(body), code_of(action))
    _show(context, client, body, reply, callback_id=CallbackId.FOLLOW_UP, meta={})


def correct(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    reply = port_of(context).correction_form(user_of(body), code_of(action))
    _show(context, client, body, reply, callback_id=CallbackId.CORRECTION, meta={})


def board_ack(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    ack()
    _show(context, client, body, port_of(context).acknowledge_board(user_of(body), code_of(action)))


def field_changed(ack: Ack, body: Body, action: Body, client: WebClient, context: BoltContext) -> None:
    """A choice in an open form that other fields depend on (dispatch_action): the form is shown again with the
    fields that now apply, keeping what was typed. Nothing is stored until the form is submitted."""
    ack()
    view = body.get("view") or {}
    if view.get("type") != "modal" or view.get("callback_id") not in (CallbackId.ANSWER.value, CallbackId.ENTRY.value):
        return
    port, user, meta = port_of(context), user_of(body), view_metadata(view)
    code, kind = meta.get("case", ""), meta.get("kind")
    if view.get("callback_id") == CallbackId.ENTRY.value:
        reply = port.entry_form(user, code, kind or "signal")
    else:
        reply = port.question(user, code) if code else port.open_case(user)
    question = reply.question
    if question is None or (code and question.node_id != meta.get("node", question.node_id)):
        return  # the case moved on meanwhile: the submission will say so
    if meta.get("draft"):
        question = dataclasses.replace(question, draft=meta["draft"])  # the same form: its first answer, once
    extra = {k: v for k, v in meta.items() if k not in ("case", "node", "draft")}
    modal = kit.question_modal(
        question,
        port.texts,
        callback_id=CallbackId(view["callback_id"]),
        meta=extra or None,
        current=view_values(view),
    )
    client.views_update(view_id=view["id"], hash=view.get("hash"), view=modal)


ACTIONS: dict[ActionId, Callable[..., None]] = {
    ActionId.OPEN_CASE: open_case,
    ActionId.CONTINUE: go_on,
    ActionId.TIMELINE: timeline,
    ActionId.TAKE_UP: take_up,
    ActionId.HAND_TO_DEPUTY: hand_over,
    ActionId.NEW_CASE: new_case,
    ActionId.ACUTE: acute,
    ActionId.REOPEN: reopen,
    ActionId.PROPOSE_MOMENT: propose,
    ActionId.EXPORT: export,
    ActionId.SNOOZE_DAY: snooze_day,
    ActionId.SNOOZE_WEEK: snooze_week,
    ActionId.REMINDER_DONE: reminder_done,
    ActionId.ADD_SIGNAL: add_signal,
    ActionId.ADD_CONTACT: add_contact,
    ActionId.FOLLOW_UP: follow_up,
    ActionId.CORRECT: correct,
    ActionId.BOARD_ACK: board_ack,
    ActionId.HELP_PLAN: help_plan,
    ActionId.ADD_SISA: add_sisa,
}


LINKS = re.compile(f"^{ActionId.LINK.value}_")  # the buttons that open a one-time link (mc_link_0, …)


def register(app: App) -> None:
    for action_id, listener in ACTIONS.items():
        app.action(action_id.value)(listener)
    app.action(LINKS)(lambda ack: ack())  # a link opened in the browser
    app.action(VALUE)(field_changed)  # every input's element has this action id; only dispatching ones fire
