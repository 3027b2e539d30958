"""Neutral messages and views that every adapter renders in its own way (console text, Slack blocks)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from flows.answers import FieldError, parse_yes_no


class Action(enum.StrEnum):
    """What a button does; adapters map these to their own ids (Slack action ids, console commands)."""

    OPEN_CASE = "open_case"
    TAKE_UP = "take_up"
    CONTINUE = "continue"
    ACUTE = "acute"
    NEW_CASE = "new_case"
    REOPEN = "reopen"
    PROPOSE_MOMENT = "propose_moment"
    HAND_TO_DEPUTY = "hand_to_deputy"
    SNOOZE_DAY = "snooze_day"
    SNOOZE_WEEK = "snooze_week"
    REMINDER_DONE = "reminder_done"
    MANAGE_ROLES = "manage_roles"
    RECORD_ABSENCE = "record_absence"
    WELCOME_ALL = "welcome_all"
    EXPLAIN = "explain"
    FEEDBACK = "feedback"
    STATS_CHART = "stats_chart"
    REPORT = "report"  # the yearly evaluation report (C7)
    BOARD_ACK = "board_ack"
    HELP_PLAN = "help_plan"  # a new help plan: a longer term, a changed plan (Q4b)
    ADD_SIGNAL = "add_signal"  # the actions at any moment while a case is open (S1.1, S1.4, S1.5)
    ADD_CONTACT = "add_contact"
    ADD_SISA = "add_sisa"


@dataclass(frozen=True)
class Button:
    label: str
    action: Action
    case_code: str | None = None
    ref: str | None = None  # what else the action needs (a reminder id)


@dataclass(frozen=True)
class Message:
    text: str
    buttons: tuple[Button, ...] = ()
    case_code: str | None = None
    tone: str = "info"  # info | error | urgent | private (case content, only for the asker)
    file: tuple[str, bytes] | None = None  # (file name, content): an evaluation chart, never case content
    mention: tuple[str, str] | None = None  # (external id, name) of whom the text names: a chat can link them
    # Figures by group, ((group, ((label, value), ...)), ...): what the text says, for a chat that lays it out.
    table: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    # The case's living DM (bot.service.living): kept current in place; `notify` posts it anew (the person is to
    # act), `replaces` is the chat's reference of the message it updates (None: none posted yet).
    link: str | None = None  # a path on the bot's own HTTP server (a one-time dossier link); chats add the base
    living: bool = False
    notify: bool = False
    replaces: str | None = None


@dataclass(frozen=True)
class FieldView:
    id: str
    type: str
    label: str
    hint: str | None
    required: bool
    choices: tuple[tuple[str, str], ...] = ()  # (id, label)
    when: tuple[str, tuple[Any, ...]] | None = None  # asked only when field has one of the values
    max_length: int = 3000
    initial: Any = None  # what the field shows at first (a choice id, a list of ids, a date)
    also: tuple[str, tuple[Any, ...]] | None = None  # and only when its question is shown (bot.service.screens)

    def conditions(self) -> tuple[tuple[str, tuple[Any, ...]], ...]:
        return tuple(c for c in (self.when, self.also) if c is not None)

    def applies(self, values: dict[str, Any]) -> bool:
        """Whether this field is asked, given what was picked so far in its form (a yes/no as typed, ja/j/1 …)."""
        return all(_holds(values.get(ref), allowed) for ref, allowed in self.conditions())


def _holds(value: Any, allowed: tuple[Any, ...]) -> bool:
    if isinstance(value, str) and any(isinstance(v, bool) for v in allowed):
        try:
            value = parse_yes_no(value)
        except FieldError:
            return False
    return value in allowed


@dataclass(frozen=True)
class QuestionView:
    case_code: str
    node_id: str
    step_title: str
    title: str
    prompt: str | None
    why: str | None
    fields: tuple[FieldView, ...]
    draft: str | None = None  # a new case's form: sent back with its first answer, so a retry makes no second case
    then: tuple[QuestionView, ...] = ()  # the questions after it on the same form, when a chat shows them together


@dataclass(frozen=True)
class Entry:
    """One thing recorded in a case, as an overview lists it: what, by whom and when, its facts, and what
    amended it (corrections, follow-ups), beside it."""

    title: str
    meta: str
    facts: tuple[tuple[str, str], ...] = ()  # (label, value)
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Overview:
    """A case laid out for a chat that can show structure (Slack's blocks): its facts, the signals and each
    step's answers as sections, and the timeline (oldest first; a chat may show its last entries)."""

    heading: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[tuple[str, tuple[Entry, ...]], ...]
    timeline: tuple[str, ...]


@dataclass
class Reply:
    """What the person who acted sees. DMs to others go through the Chat port instead."""

    messages: list[Message] = field(default_factory=list)
    question: QuestionView | None = None
    overview: Overview | None = None  # the case laid out, beside its text (the first message) for plain chats
    errors: dict[str, str] = field(default_factory=dict)  # field id -> Dutch message
    ok: bool = True
    error: str | None = None  # why it was refused (a text key such as "database_down"), when not ok

    def text(self) -> str:
        return "\n".join(m.text for m in self.messages)
