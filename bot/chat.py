"""The Chat port: how the service reaches people other than the one who acted (direct messages)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from bot.messages import Message

Done = Callable[[str | None, str | None], None]  # (why it failed or None, the chat's reference of the message)


class DeliveryError(Exception):
    """A message could not be delivered now (rate limit, server error, time-out); try again later."""


class Chat(Protocol):
    def send_dm(self, *, org_key: str, person_id: str, message: Message, done: Done | None = None) -> None:
        """Send a private message to one person (their external id: Slack user id or console handle),
        without making the caller wait; `done` hears how it went (None: posted, else why not) and the chat's
        reference of the message. A living message (`message.living`) updates the one it `replaces`, unless it
        is to notify: then it is posted anew and the old one removed."""

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> str | None:
        """Deliver a private message now, raising DeliveryError when that fails (used for reminders); returns
        the chat's reference of the message posted or updated."""


@dataclass
class RecordingChat:
    """Keeps every DM in order: the console shows them, and tests read them as a transcript."""

    sent: list[tuple[str, Message]] = field(default_factory=list)

    def send_dm(self, *, org_key: str, person_id: str, message: Message, done: Done | None = None) -> None:
        ref = self._record(person_id, message)
        if done is not None:
            done(None, ref)

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> str | None:
        return self._record(person_id, message)

    def _record(self, person_id: str, message: Message) -> str:
        self.sent.append((person_id, message))
        return f"dm-{len(self.sent)}"

    def to(self, person_id: str) -> list[Message]:
        return [m for p, m in self.sent if p == person_id]

    def posts(self, person_id: str) -> list[Message]:
        """What a person was sent as new messages (notifications); the rest updated a living message in place."""
        return [m for m in self.to(person_id) if not (m.living and m.replaces and not m.notify)]
