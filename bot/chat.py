"""The Chat port: how the service reaches people other than the one who acted (direct messages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.messages import Message


class DeliveryError(Exception):
    """A message could not be delivered now (rate limit, server error, time-out); try again later."""


class Chat(Protocol):
    def send_dm(
        self, *, org_key: str, person_id: str, message: Message, done: Callable[[str | None], None] | None = None
    ) -> None:
        """Send a private message to one person (their external id: Slack user id or console handle),
        without making the caller wait; `done` hears how it went (None: posted, else why not)."""

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> None:
        """Deliver a private message now, raising DeliveryError when that fails (used for reminders)."""


@dataclass
class RecordingChat:
    """Keeps every DM in order: the console shows them, and tests read them as a transcript."""

    sent: list[tuple[str, Message]] = field(default_factory=list)

    def send_dm(
        self, *, org_key: str, person_id: str, message: Message, done: Callable[[str | None], None] | None = None
    ) -> None:
        self.sent.append((person_id, message))
        if done is not None:
            done(None)

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> None:
        self.send_dm(org_key=org_key, person_id=person_id, message=message)

    def to(self, person_id: str) -> list[Message]:
        return [m for p, m in self.sent if p == person_id]
