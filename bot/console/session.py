"""A console session: who is speaking, which case is current, and the terminal it reads from and writes to.

The commands (bot.console.commands, bot.console.organisation) and the forms work on a Session; the loop
(bot.console.loop) owns one and dispatches typed lines to the command table."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot import i18n
from bot.messages import Button, Message, Reply
from bot.service import ConversationService
from bot.terminal import printable


class Cancelled(Exception):
    """The person typed /annuleer (or the input ended): nothing is stored."""


class Quit(Exception):
    """The person typed /stop (at the prompt, or in the middle of a question)."""


class ConsoleClock:
    """The console's clock: real time, or moved on with /tijd to see deadlines fall due."""

    def __init__(self, now: Callable[[], dt.datetime]):
        self._now, self.offset = now, dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return self._now() + self.offset


class Session:
    def __init__(
        self,
        service: ConversationService,
        *,
        button_text: Callable[[Button], str],
        inbox: list[tuple[str, Message]],
        words: Callable[[str], str] = str,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        persona: str | None = None,
        echo: bool | None = None,
        clock: ConsoleClock | None = None,
        export_dir: Path | None = None,
    ):
        self.service, self.texts, self.stdin, self.stdout = service, service.texts, stdin, stdout
        self.button_text, self.inbox = button_text, inbox  # how a button is typed; the DMs delivered
        self.words = words  # the shared texts' Slack commands as the console types them
        self.clock, self.export_dir = clock, export_dir
        self.echo = (not stdin.isatty()) if echo is None else echo
        self.terminal = stdin is sys.stdin and stdout is sys.stdout and stdin.isatty()
        if self.terminal:
            import readline  # noqa: F401  (importing it gives input() line editing and an in-memory history)
        self.people = service.people()
        self.persona = (service.find_person(persona) if persona else None) or self.people[0][0]
        self.case: str | None = None

    # ---- the terminal --------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        self.stdout.write(printable(self.words(text)) + "\n")
        self.stdout.flush()

    def read(self, prompt: str) -> str | None:
        if self.terminal:
            # A person at a terminal: line editing and history (arrow keys) through readline, kept in memory
            # only; nothing typed is ever written to a history file.
            try:
                return input(prompt)
            except EOFError:
                self.say()
                return None
        self.stdout.write(prompt)
        self.stdout.flush()
        line = self.stdin.readline()
        if not line:
            self.say()
            return None
        line = line.rstrip("\n")
        if self.echo:
            self.say(line)
        return line

    def show(self, reply: Reply) -> None:
        """A reply's messages and their buttons (as the commands that do the same); its case becomes current."""
        for message in reply.messages:
            self.say(message.text)
            for button in message.buttons:
                self.say(self.button_text(button))
            if message.case_code:
                self.case = message.case_code

    def show_errors(self, reply: Reply) -> None:
        self.show(reply)
        for error in reply.errors.values():
            self.say("  ! " + error)

    # ---- who and what ----------------------------------------------------------------------------
    def name(self) -> str:
        return next((n for pid, n, _ in self.people if pid == self.persona), self.persona)

    def whoami(self) -> None:
        roles = next((r for pid, _, r in self.people if pid == self.persona), "")
        self.say(self.texts("console.you_are", name=self.name(), roles=roles))

    def speak(self) -> None:
        """Speak this persona's language from now on."""
        i18n.set_for_event(self.service.language_of(self.persona))

    def code(self, arg: str) -> str | None:
        """The case a command is about: its first word, or the current case."""
        code = arg.split()[0].upper() if arg.split() else self.case
        if not code:
            self.say(self.texts("console.no_current_case"))
        return code
