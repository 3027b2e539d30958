"""A case overview as Block Kit (moment): its facts as fields, a section per signal and per step's answer with
who and when, corrections beside what they amend, and the timeline collapsed to its last entries with the whole
of it behind a button. Within Slack's limits: what does not fit points to the dossier."""

from __future__ import annotations

from typing import Any

from bot.messages import Entry, Overview
from bot.slack.blocks import plain
from bot.slack.fields import escape, facts_section
from bot.slack.ids import ActionId
from bot.texts import Texts

LAST_EVENTS = 5
BUDGET = 90  # blocks for the overview, of the modal's 100 (the rest: messages, buttons, the safety line)


def _entry(entry: Entry) -> list[dict[str, Any]]:
    head = f"*{escape(entry.title)}*\n_{escape(entry.meta)}_"
    blocks = facts_section(entry.facts, head)
    if entry.notes:
        blocks.append({"type": "context", "elements": [plain(n, 2000) for n in entry.notes[:10]]})
    return blocks


def overview_blocks(overview: Overview, texts: Texts, code: str) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = [{"type": "header", "text": plain(overview.heading, 150)}]
    blocks += facts_section(overview.facts)
    left = 0
    for title, entries in overview.sections:
        part: list[dict[str, Any]] = [{"type": "divider"}, {"type": "header", "text": plain(title, 150)}]
        for entry in entries:
            more = _entry(entry)
            if len(blocks) + len(part) + len(more) > BUDGET - 4:
                left += 1
                continue
            part += more
        if len(part) > 2:
            blocks += part
    if left:
        blocks.append({"type": "context", "elements": [plain(texts("case_view.more", count=left))]})
    blocks += timeline_blocks(overview, texts, code)
    return blocks


def timeline_blocks(overview: Overview, texts: Texts, code: str, everything: bool = False) -> list[dict[str, Any]]:
    """The timeline's last entries (S1.4: contacts, steps and decisions), the whole of it behind a button."""
    lines = overview.timeline if everything else overview.timeline[-LAST_EVENTS:]
    blocks: list[dict[str, Any]] = [
        {"type": "divider"},
        {"type": "header", "text": plain(texts("case_view.timeline"), 150)},
    ]
    chunk: list[str] = []
    for line in lines:  # one section per ~3000 characters
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append({"type": "section", "text": plain("\n".join(chunk))})
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append({"type": "section", "text": plain("\n".join(chunk))})
    if not everything and len(overview.timeline) > LAST_EVENTS:
        label = texts("case_view.timeline_all", count=len(overview.timeline))
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {"type": "button", "text": plain(label), "action_id": ActionId.TIMELINE.value, "value": code}
                ],
            }
        )
    return blocks
