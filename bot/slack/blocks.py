"""Pure Block Kit builders: neutral messages and views in, checked Slack JSON out. No I/O."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable
from typing import Any

from bot.messages import FieldView, Message, QuestionView, Reply
from bot.slack.fields import escape, facts_section
from bot.slack.ids import FOR_ACTION, VALUE, ActionId, CallbackId
from bot.slack.limits import MAX_OPTION_TEXT, MAX_SECTION_TEXT, checked_blocks, checked_view
from bot.texts import Texts

PERSON_NAME_SUFFIX = "__name"


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text, "emoji": True}


def _chunks(text: str, size: int = MAX_SECTION_TEXT) -> Iterable[str]:
    """Long texts (a case overview) become several sections, split on line ends."""
    chunk = ""
    for line in text.splitlines(keepends=True):
        while len(line) > size:
            yield line[:size]
            line = line[size:]
        if len(chunk) + len(line) > size:
            yield chunk
            chunk = ""
        chunk += line
    if chunk.strip():
        yield chunk


def text_sections(text: str) -> list[dict[str, Any]]:
    # plain_text: what people typed is shown literally, never read as mrkdwn or links.
    return [{"type": "section", "text": plain(part)} for part in _chunks(text)]


def table_blocks(message: Message) -> list[dict[str, Any]]:
    """A message with figures: its first line as the title, each group's figures as fields."""
    blocks = text_sections(message.text.splitlines()[0]) if message.text else []
    for title, rows in message.table:
        blocks += facts_section(rows, f"*{escape(title)}*")
    return blocks


def _message_body(message: Message) -> list[dict[str, Any]]:
    return table_blocks(message) if message.table else text_sections(message.text)


def buttons_block(message: Message, texts: Texts) -> list[dict[str, Any]]:
    if not message.buttons:
        return []
    return [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "text": plain(b.label, 75),
                    "action_id": FOR_ACTION[b.action].value,
                    "value": button_value(b.case_code, b.ref),
                    **({"style": "danger"} if b.action.value == "acute" else {}),
                }
                for b in message.buttons
            ],
        }
    ]


def button_value(code: str | None, ref: str | None) -> str:
    """A case code, and after a colon what else the action needs (a reminder id)."""
    return (code or "") + (f":{ref}" if ref else "")


def message_blocks(message: Message, texts: Texts) -> list[dict[str, Any]]:
    if message.mention is not None:
        return checked_blocks([mention_section(message.text, *message.mention), *buttons_block(message, texts)])
    return checked_blocks(text_sections(message.text) + buttons_block(message, texts))


def mention_section(text: str, user_id: str, name: str) -> dict[str, Any]:
    """Our own words (never typed text) with the person they name as a Slack mention (<@U…>)."""
    linked = escape(text).replace(escape(name), f"<@{user_id}>", 1)
    return {"type": "section", "text": {"type": "mrkdwn", "text": linked[:3000], "verbatim": True}}


def reply_blocks(reply: Reply, texts: Texts) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for message in reply.messages:
        blocks += text_sections(message.text) + buttons_block(message, texts)
    return checked_blocks(blocks[:50])


def _option(value: str, label: str) -> dict[str, Any]:
    option = {"text": plain(label, MAX_OPTION_TEXT), "value": value}
    if len(label) > MAX_OPTION_TEXT:
        # Keep the whole label readable: the rest goes into the option's description.
        head = label[:MAX_OPTION_TEXT].rsplit(" ", 1)[0]
        option["text"] = plain(head)
        option["description"] = plain(label[len(head) :].strip(), MAX_OPTION_TEXT)
    return option


def _element(field: FieldView, texts: Texts) -> dict[str, Any]:
    element = _bare_element(field, texts)
    if field.initial not in (None, "", []):
        options = {o["value"]: o for o in element.get("options", [])}
        if element["type"] in ("radio_buttons", "static_select") and field.initial in options:
            element["initial_option"] = options[field.initial]
        elif element["type"] in ("checkboxes", "multi_static_select"):
            chosen = [options[v] for v in field.initial if v in options]
            if chosen:
                element["initial_options"] = chosen
        elif element["type"] == "datepicker":
            element["initial_date"] = str(field.initial)
        elif element["type"] in ("plain_text_input", "number_input"):
            element["initial_value"] = str(field.initial)[: element.get("max_length", 3000)]
    return element


def _bare_element(field: FieldView, texts: Texts) -> dict[str, Any]:
    if field.type in ("text", "date_list"):
        return {
            "type": "plain_text_input",
            "action_id": VALUE,
            "multiline": field.type == "text",
            "max_length": min(field.max_length, 3000),
        }
    if field.type in ("choice", "yes_no"):
        choices = (
            field.choices if field.type == "choice" else (("ja", texts("yes_no.true")), ("nee", texts("yes_no.false")))
        )
        options = [_option(v, label) for v, label in choices]
        kind = "radio_buttons" if len(options) <= 10 else "static_select"
        return {"type": kind, "action_id": VALUE, "options": options}
    if field.type == "multi_choice":
        options = [_option(v, label) for v, label in field.choices]
        kind = "checkboxes" if len(options) <= 10 else "multi_static_select"
        return {"type": kind, "action_id": VALUE, "options": options}
    if field.type == "date":
        return {"type": "datepicker", "action_id": VALUE}
    if field.type == "number":
        element = {"type": "number_input", "action_id": VALUE, "is_decimal_allowed": False}
        return element
    if field.type == "person":
        return {
            "type": "static_select",
            "action_id": VALUE,
            "options": [_option(v, label) for v, label in field.choices][:100],
        }
    raise ValueError(f"no Slack element for field type {field.type}")


def input_blocks(field: FieldView, fields: tuple[FieldView, ...], texts: Texts) -> list[dict[str, Any]]:
    hint = field.hint
    optional = not field.required
    if field.type == "date_list":
        hint = (hint + " " if hint else "") + texts("slack.dates_hint")
    block = {
        "type": "input",
        "block_id": f"f:{field.id}",
        "label": plain(field.label, 2000),
        "element": _element(field, texts),
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    if any(ref == field.id for other in fields for ref, _ in other.conditions()):
        block["dispatch_action"] = True  # choosing here shows or hides the fields that depend on it
    blocks = [block]
    if field.type == "person":
        block["optional"] = True
        blocks.append(
            {
                "type": "input",
                "block_id": f"f:{field.id}{PERSON_NAME_SUFFIX}",
                "optional": True,
                "label": plain(texts("slack.person_outside")),
                "element": {"type": "plain_text_input", "action_id": VALUE, "max_length": 200},
            }
        )
    return blocks


def metadata(**values: Any) -> str:
    return json.dumps(values, separators=(",", ":"))


def question_modal(
    question: QuestionView,
    texts: Texts,
    *,
    callback_id: CallbackId = CallbackId.ANSWER,
    meta: dict[str, Any] | None = None,
    notes: Iterable[Message] = (),
    title: str | None = None,
    current: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The form of a question; `current` holds what the person picked so far (an update keeps it)."""
    current = dict(current or {})
    blocks: list[dict[str, Any]] = []
    safety = texts("safety")
    notes = [note for note in notes if note.text != safety]  # the safety line once per view: in the footer
    for note in notes:
        blocks += text_sections(note.text)
    blocks.append({"type": "header", "text": plain(question.title, 150)})
    blocks.append({"type": "context", "elements": [plain(question.step_title)]})
    if question.prompt:
        blocks += text_sections(question.prompt)
    every = (*question.fields, *(f for part in question.then for f in part.fields))
    for field in every:
        if field.initial not in (None, "", []):
            current.setdefault(field.id, field.initial)
    blocks += _inputs(question.fields, every, current, texts)
    for part in question.then:  # the questions after it on this form, each once the answers above lead to it
        if any(f.applies(current) for f in part.fields):
            blocks.append({"type": "header", "text": plain(part.title, 150)})
            if part.step_title != question.step_title:
                blocks.append({"type": "context", "elements": [plain(part.step_title)]})
            if part.prompt:
                blocks += text_sections(part.prompt)
            blocks += _inputs(part.fields, every, current, texts)
    if question.why:
        blocks.append({"type": "context", "elements": [plain(texts("slack.why", why=question.why), 2000)]})
    blocks.append({"type": "context", "elements": [plain(safety)]})
    return checked_view(
        {
            "type": "modal",
            "callback_id": callback_id.value,
            "title": plain(
                texts("slack.case_title", code=question.case_code)
                if question.case_code
                else title
                or texts("slack.new_case_title" if callback_id == CallbackId.ANSWER else "slack.meldcode_title"),
                24,
            ),
            "submit": plain(texts("slack.save")),
            "close": plain(texts("slack.cancel")),
            "private_metadata": metadata(
                case=question.case_code,
                node=question.node_id,
                **({"draft": question.draft} if question.draft else {}),
                **(meta or {}),
            ),
            "blocks": blocks,
        },
        shape=(
            callback_id,
            question.node_id,
            len(question.fields),
            len(notes),
            tuple(len(f.choices) for f in question.fields),
            tuple(len(part.fields) for part in question.then),
        ),
    )


def _inputs(
    fields: tuple[FieldView, ...], every: tuple[FieldView, ...], current: dict[str, Any], texts: Texts
) -> list[dict[str, Any]]:
    """The inputs of the fields that apply now (one that depends on a choice shows once it applies), each with
    what was picked so far."""
    blocks: list[dict[str, Any]] = []
    for field in fields:
        if field.applies(current):
            picked = current.get(field.id, field.initial)
            if field.type == "person" and isinstance(picked, dict):
                picked = picked.get("id")  # a name typed for someone outside stays in its own input
            blocks += input_blocks(dataclasses.replace(field, initial=picked), every, texts)
    return blocks


def link_blocks(messages: list[Message], labels: list[str], base: str) -> list[dict[str, Any]]:
    """Each message with its one-time link (a path on the bot's server) as a button that opens it in the
    browser (Slack still sends the click: `ActionId.LINK` acknowledges it)."""
    blocks: list[dict[str, Any]] = []
    for i, (message, label) in enumerate(zip(messages, labels, strict=False)):
        blocks += text_sections(message.text)
        if message.link:
            button = {"type": "button", "text": plain(label, 75), "url": base + message.link}
            blocks.append({"type": "actions", "elements": [{**button, "action_id": f"{ActionId.LINK.value}_{i}"}]})
    return blocks


def info_modal(
    reply: Reply,
    texts: Texts,
    *,
    title: str,
    code: str | None = None,
    extra_buttons: list[dict[str, Any]] | None = None,
    lead: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A read-only modal: confirmations, refusals, a case overview (`lead`: the blocks shown instead of the
    reply's first message, its text for plain chats)."""
    blocks: list[dict[str, Any]] = list(lead or [])
    for message in reply.messages[1:] if lead else reply.messages:
        blocks += _message_body(message) + buttons_block(message, texts)
    if extra_buttons:
        blocks.append({"type": "actions", "elements": extra_buttons})
    blocks.append({"type": "context", "elements": [plain(texts("safety"))]})
    return checked_view(
        {
            "type": "modal",
            "callback_id": CallbackId.INFO.value,
            "title": plain(title, 24),
            "close": plain(texts("slack.close")),
            "private_metadata": metadata(case=code),
            "blocks": blocks[:100],
        }
    )


def case_actions(code: str, texts: Texts) -> list[dict[str, Any]]:
    """What anyone on a case can do from its overview."""
    return [
        {"type": "button", "text": plain(texts(label)), "action_id": action.value, "value": code}
        for action, label in (
            (ActionId.CONTINUE, "buttons.continue"),
            (ActionId.ADD_SIGNAL, "slack.add_signal"),
            (ActionId.ADD_CONTACT, "slack.add_contact"),
            (ActionId.FOLLOW_UP, "slack.follow_up"),
            (ActionId.CORRECT, "slack.correct"),
            (ActionId.EXPORT, "slack.export"),
        )
    ]


def moment_modal(code: str, texts: Texts) -> dict[str, Any]:
    return checked_view(
        {
            "type": "modal",
            "callback_id": CallbackId.MOMENT.value,
            "title": plain(texts("slack.case_title", code=code), 24),
            "submit": plain(texts("slack.send")),
            "close": plain(texts("slack.cancel")),
            "private_metadata": metadata(case=code),
            "blocks": [
                {
                    "type": "input",
                    "block_id": "f:moment",
                    "label": plain(texts("slack.moment_label")),
                    "element": {"type": "datetimepicker", "action_id": VALUE},
                }
            ],
        }
    )


def message_signal_modal(
    question: QuestionView, cases: list[tuple[str, str]], text: str, texts: Texts
) -> dict[str, Any]:
    """A message recorded as a signal: pick the case, check the kind; the message text is editable."""
    view = question_modal(question, texts, callback_id=CallbackId.MESSAGE_SIGNAL)
    pick = {
        "type": "input",
        "block_id": "f:case",
        "label": plain(texts("slack.pick_case")),
        "element": {
            "type": "static_select",
            "action_id": VALUE,
            "options": [_option(code, f"{code} · {step}") for code, step in cases][:100],
        },
    }
    blocks = [pick]
    for block in view["blocks"]:
        if block.get("block_id") == "f:text":
            block["element"]["initial_value"] = text[:3000]
        blocks.append(block)
    view["blocks"] = blocks
    view["title"] = plain(texts("slack.add_signal"), 24)
    return checked_view(view)


def home_view(reply: Reply, texts: Texts) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(texts("slack.home_title"), 150)}]
    for i, message in enumerate(reply.messages):
        blocks += _message_body(message) + buttons_block(message, texts)
        if i == 0:  # the intro and what this person can start: then the safety line, once
            blocks += [{"type": "context", "elements": [plain(texts("safety"))]}, {"type": "divider"}]
    return checked_view({"type": "home", "blocks": blocks[:100]})


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    """Service errors by field id, as Slack wants them: by the input's block id."""
    return {f"f:{field}": message for field, message in errors.items()}
