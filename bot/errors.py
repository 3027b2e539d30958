"""The errors the bot raises: refusals to a person (Denied) and reasons it cannot start (StartupError)."""

from __future__ import annotations

from typing import Any

from bot.messages import QuestionView


class Denied(Exception):
    """A refusal with a Dutch text key; nothing was changed."""

    def __init__(self, key: str, question: QuestionView | None = None, **params: Any):
        self.key, self.params, self.question = key, params, question
        super().__init__(key)


class StartupError(Exception):
    """The bot cannot start as configured; the message says what to do."""
