"""The Chat port for the console: a DM is shown at once, and kept for /berichten."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.chat import Done
from bot.console.table import button_text, in_console_words
from bot.messages import Message
from bot.terminal import printable
from bot.texts import Texts


@dataclass
class ConsoleChat:
    write: Callable[[str], None]
    names: dict[str, str] = field(default_factory=dict)
    texts: Texts = field(default_factory=Texts)
    inbox: list[tuple[str, Message]] = field(default_factory=list)

    def send_dm(self, *, org_key: str, person_id: str, message: Message, done: Done | None = None) -> None:
        ref = self.deliver(org_key=org_key, person_id=person_id, message=message)
        if done is not None:
            done(None, ref)

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> str | None:
        """Shown at once. A terminal cannot change what it printed: a living message's update (no notification)
        is one line saying so, and kept for /berichten in full."""
        self.inbox.append((person_id, message))
        name = self.names.get(person_id, person_id)
        if message.living and message.replaces and not message.notify:
            self.write(self.texts("console.dm_updated", name=name, code=message.case_code or ""))
            return f"console-{len(self.inbox)}"
        self.write(printable(in_console_words(self.texts("console.dm", name=name, text=message.text))))
        if message.file is not None:
            self.write(self.texts("console.attachment", name=message.file[0]))
        for button in message.buttons:
            self.write(button_text(self.texts, button))
        return f"console-{len(self.inbox)}"
