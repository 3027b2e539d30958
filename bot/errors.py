"""The refusal every part of the service raises: a Dutch text key and its parameters; nothing was changed."""
from __future__ import annotations

from typing import Any

from bot.messages import QuestionView


class Denied(Exception):
    """A refusal with a Dutch text key; nothing was changed."""

    def __init__(self, key: str, question: QuestionView | None = None, **params: Any):
        self.key, self.params, self.question = key, params, question
        super().__init__(key)
