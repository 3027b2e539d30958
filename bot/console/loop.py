"""The console adapter's loop: plays every role in a terminal, or reads a scripted session from a pipe.

Each typed line is a command of bot.console.table; due reminders and notices arrive between lines, as the DMs
people would get."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

from bot.console import commands, table
from bot.console.chat import ConsoleChat
from bot.console.session import ConsoleClock, Quit, Session
from bot.jobs.notices import send_due_notices
from bot.jobs.reminders import ReminderSender
from bot.messages import Button
from bot.service import ConversationService


class Console:
    def __init__(
        self,
        service: ConversationService,
        chat: ConsoleChat,
        *,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        persona: str | None = None,
        echo: bool | None = None,
        sender: ReminderSender | None = None,
        clock: ConsoleClock | None = None,
        export_dir: Path | None = None,
    ):
        texts = service.texts

        def button_text(button: Button) -> str:
            return table.button_text(texts, button)

        self.session = Session(
            service,
            button_text=button_text,
            inbox=chat.inbox,
            words=table.in_console_words,
            stdin=stdin,
            stdout=stdout,
            persona=persona,
            echo=echo,
            clock=clock,
            export_dir=export_dir,
        )
        chat.names.update({pid: name for pid, name, _ in self.session.people})
        self.service, self.sender = service, sender

    def say(self, text: str = "") -> None:
        self.session.say(text)

    def run(self) -> int:
        s = self.session
        s.say(s.texts("console.welcome", org=self.service.org.name, demo=self.service.org.is_demo))
        commands.who(s, "")
        s.say(s.texts("safety"))
        s.say(table.help_text(s.texts))
        while True:
            if self.sender is not None:
                send_due_notices(self.service)  # training and evaluation notices (C3, C7)
                self.sender.run_once()  # due reminders arrive as the DMs people would get
            line = s.read(f"[{s.name()}] > ")
            if line is None:
                return 0
            line = line.strip()
            if not line:
                continue
            name, _, arg = line[1:].partition(" ")
            command = table.find(name) if line.startswith("/") else None
            if command is None or command.run is None:
                s.say(s.texts("console.unknown_command"))
                continue
            try:
                command.run(s, arg.strip())
            except Quit:
                s.say(s.texts("console.bye"))
                return 0
