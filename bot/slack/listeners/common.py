"""Small helpers the listener groups share: the port from Bolt's context, the acting user and a button's value,
turning a service reply into a modal."""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_sdk import WebClient

from bot.messages import Reply
from bot.port import ConversationPort
from bot.slack import blocks as kit
from bot.slack.ids import CallbackId
from bot.slack.overview import overview_blocks
from bot.texts import Texts


def reply_view(
    reply: Reply,
    texts: Texts,
    *,
    overview: bool = False,
    callback_id: CallbackId = CallbackId.ANSWER,
    meta: dict[str, Any] | None = None,
    title: str | None = None,
) -> dict:
    """The next question when it is this person's turn; otherwise what the service said. Titled by the case, or by
    what the modal is for (`title`, a text key), or as a refusal: never a bare "Meldcode" for everything."""
    code = next((m.case_code for m in reply.messages if m.case_code), None) or (
        reply.question.case_code if reply.question else None
    )
    named = texts(title) if title else None
    if reply.question is not None and not overview:
        return kit.question_modal(
            reply.question, texts, callback_id=callback_id, meta=meta, notes=reply.messages, title=named
        )
    if code:
        named = texts("slack.case_title", code=code)
    elif not reply.ok:
        named = texts("slack.refused_title")
    return kit.info_modal(
        reply,
        texts,
        title=named or texts("slack.meldcode_title"),
        code=code,
        extra_buttons=kit.case_actions(code, texts) if overview and reply.ok and code else None,
        lead=overview_blocks(reply.overview, texts, code) if reply.overview is not None and code else None,
    )


def replayed(reply: Reply) -> bool:
    """A request Slack delivered once already (a replay of its signed body): nothing to show, nothing to open."""
    return reply.error == "replayed"


def open_reply(client: WebClient, trigger_id: str, reply: Reply, texts: Texts, **kwargs: Any) -> None:
    if replayed(reply):
        return
    client.views_open(trigger_id=trigger_id, view=reply_view(reply, texts, **kwargs))


def show_reply(client: WebClient, body: dict[str, Any], reply: Reply, texts: Texts, **kwargs: Any) -> None:
    """From a modal, replace it; from a message or the Home tab, open a new one."""
    if replayed(reply):
        return
    view = body.get("view") or {}
    if view.get("type") == "modal":
        client.views_update(view_id=view["id"], hash=view.get("hash"), view=reply_view(reply, texts, **kwargs))
    else:
        open_reply(client, body["trigger_id"], reply, texts, **kwargs)


PUBLIC_URL = "meldcode_public_url"  # the key under which the middleware puts MELDCODE_PUBLIC_URL (or None)
PORT = "meldcode_port"  # the key under which the middleware puts the conversation port into Bolt's context


def port_of(context: BoltContext) -> ConversationPort:
    """The conversation port for this request (bot.slack.app puts it into the context before any listener)."""
    return context[PORT]


def user_of(body: dict[str, Any]) -> str:
    """Who pressed, submitted or chose: interactions carry the user as an object."""
    return str(body["user"]["id"])


def code_of(action: dict[str, Any]) -> str:
    """A button's case code: its value is `<code>` or `<code>:<ref>`."""
    return (action.get("value") or "").split(":", 1)[0][:20]


def ref_of(action: dict[str, Any]) -> int:
    """A button's reference (a reminder's id) after the case code, or 0."""
    ref = (action.get("value") or "").partition(":")[2]
    return int(ref) if ref.isdigit() else 0
