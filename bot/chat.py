"""The Chat port: how the service reaches people other than the one who acted (direct messages)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from bot.messages import Message


class Chat(Protocol):
    def send_dm(self, *, org_key: str, person_id: str, message: Message) -> None:
        """Deliver a private message to one person (their external id: Slack user id or console handle)."""


@dataclass
class RecordingChat:
    """Keeps every DM in order: the console shows them, and tests read them as a transcript."""
    sent: list[tuple[str, Message]] = field(default_factory=list)

    def send_dm(self, *, org_key: str, person_id: str, message: Message) -> None:
        self.sent.append((person_id, message))

    def to(self, person_id: str) -> list[Message]:
        return [m for p, m in self.sent if p == person_id]
