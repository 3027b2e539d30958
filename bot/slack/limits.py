"""Validate Block Kit through slack_sdk's models, plus the limits slack_sdk does not enforce."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_RADIO_OR_CHECKBOX_OPTIONS = 10
MAX_SELECT_OPTIONS = 100
MAX_TEXT_INPUT = 3000
MAX_SECTION_TEXT = 3000
MAX_SECTION_FIELD = 2000
MAX_PRIVATE_METADATA = 3000
MAX_OPTION_TEXT = 75


class BlockKitError(ValueError):
    pass


def _check_blocks(blocks: list[dict[str, Any]], *, parse: bool = True) -> None:
    for block in blocks:
        if parse and Block.parse(block) is None:
            raise BlockKitError(f"unknown block type {block.get('type')!r}")
        text = block.get("text") or {}
        if block.get("type") == "section" and len(text.get("text", "")) > MAX_SECTION_TEXT:
            raise BlockKitError("section text over 3000 characters")
        for field in block.get("fields") or []:
            if len(field.get("text", "")) > MAX_SECTION_FIELD:
                raise BlockKitError("section field over 2000 characters")
        element = block.get("element") or block.get("accessory") or {}
        elements = [element, *list(block.get("elements") or [])]
        for el in elements:
            kind = el.get("type")
            options = el.get("options") or []
            if kind in ("radio_buttons", "checkboxes") and len(options) > MAX_RADIO_OR_CHECKBOX_OPTIONS:
                raise BlockKitError(f"{kind} with more than 10 options")
            if len(options) > MAX_SELECT_OPTIONS:
                raise BlockKitError("more than 100 options")
            for option in options:
                if len(option.get("text", {}).get("text", "")) > MAX_OPTION_TEXT:
                    raise BlockKitError("option text over 75 characters")
            if kind == "plain_text_input" and el.get("max_length", 0) > MAX_TEXT_INPUT:
                raise BlockKitError("plain_text_input max_length over 3000")


_VALIDATED_SHAPES: set[Any] = set()


def checked_view(view: dict[str, Any], shape: Any = None) -> dict[str, Any]:
    """Checks every view. slack_sdk's full model validation runs once per `shape` (a key for views whose
    structure is fixed, e.g. one step's modal) and always when no shape is given; it is the costliest part."""
    blocks = view.get("blocks", [])
    if len(blocks) > MAX_VIEW_BLOCKS:
        raise BlockKitError(f"{len(blocks)} blocks in a view (at most 100)")
    if len(view.get("private_metadata", "")) > MAX_PRIVATE_METADATA:
        raise BlockKitError("private_metadata over 3000 characters")
    known = shape is not None and shape in _VALIDATED_SHAPES
    _check_blocks(blocks, parse=not known)  # a known shape's block types were parsed the first time
    for block in blocks:
        for text in (block.get("text"), block.get("label")):
            if isinstance(text, dict) and not text.get("text", "").strip():
                raise BlockKitError(f"empty text in a {block.get('type')} block")
    if not known:
        View(**view).to_dict()  # slack_sdk's own validation of the whole tree
        if shape is not None:
            _VALIDATED_SHAPES.add(shape)
    return view


def checked_blocks(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Blocks of a message (chat.postMessage, an ephemeral response)."""
    if len(blocks) > MAX_MESSAGE_BLOCKS:
        raise BlockKitError(f"{len(blocks)} blocks in a message (at most 50)")
    _check_blocks(blocks)
    for block in blocks:
        parsed = Block.parse(block)
        if parsed is None:
            raise BlockKitError(f"not a block: {str(block)[:80]}")
        parsed.to_dict()
    return blocks
