"""Turn Slack payloads into neutral values: one table of element types, nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from bot.slack.blocks import PERSON_NAME_SUFFIX
from bot.slack.ids import VALUE

READERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "plain_text_input": lambda e: e.get("value") or "",
    "number_input": lambda e: e.get("value") or "",
    "radio_buttons": lambda e: (e.get("selected_option") or {}).get("value", ""),
    "static_select": lambda e: (e.get("selected_option") or {}).get("value", ""),
    "checkboxes": lambda e: [o["value"] for o in e.get("selected_options") or []],
    "multi_static_select": lambda e: [o["value"] for o in e.get("selected_options") or []],
    "datepicker": lambda e: e.get("selected_date") or "",
    "datetimepicker": lambda e: e.get("selected_date_time"),
}


def view_values(view: dict[str, Any]) -> dict[str, Any]:
    """{field id: value} from a submitted view's state; unknown element types are ignored."""
    values: dict[str, Any] = {}
    for block_id, actions in (view.get("state") or {}).get("values", {}).items():
        if not block_id.startswith("f:") or not isinstance(actions, dict):
            continue
        element = actions.get(VALUE) or {}
        reader = READERS.get(element.get("type", ""))
        if reader is not None:
            values[block_id[2:]] = reader(element)
    # A person is picked from the list, or named when outside the organisation.
    for key in [k for k in values if k.endswith(PERSON_NAME_SUFFIX)]:
        name = values.pop(key)
        base = key[: -len(PERSON_NAME_SUFFIX)]
        if isinstance(name, str):
            name = name.strip()
        # A name that is not text goes on to the service as it came, which refuses it on its field.
        values[base] = {"name": name} if name else ({"id": values[base]} if values.get(base) else "")
    return values


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """The ids a view carries; anything malformed yields {} (the service then refuses politely)."""
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return {k: v for k, v in meta.items() if isinstance(v, str)} if isinstance(meta, dict) else {}
