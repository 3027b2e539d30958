"""Facts as Block Kit fields (two columns of "label / value"), with typed text escaped for mrkdwn."""

from __future__ import annotations

from typing import Any

FIELDS_PER_SECTION = 10  # Slack's limit
SHORT = 120  # longer values go into the section's text, not into a (narrow) field


def escape(text: str) -> str:
    """Typed text in mrkdwn: &, < and > as Slack asks (no links or mentions from what someone typed)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _field(label: str, value: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": f"*{escape(label)}*\n{escape(value)}"[:2000], "verbatim": True}


def facts_section(facts: tuple[tuple[str, str], ...], head: str = "") -> list[dict[str, Any]]:
    """Short facts as fields (two columns), long ones as lines of the section's text."""
    short = [(k, v) for k, v in facts if len(v) <= SHORT and "\n" not in v]
    long = [(k, v) for k, v in facts if (k, v) not in short]
    text = "\n".join([head, *(f"*{escape(k)}*: {escape(v)}" for k, v in long)]).strip()
    blocks: list[dict[str, Any]] = []
    for i in range(0, max(len(short), 1), FIELDS_PER_SECTION):
        block: dict[str, Any] = {"type": "section"}
        if text and i == 0:
            block["text"] = {"type": "mrkdwn", "text": text[:3000], "verbatim": True}
        chunk = short[i : i + FIELDS_PER_SECTION]
        if chunk:
            block["fields"] = [_field(k, v) for k, v in chunk]
        if "text" in block or "fields" in block:
            blocks.append(block)
    return blocks
