"""The console adapter: plays every role in a terminal, or reads a scripted session from a pipe."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TextIO

from bot.console_forms import FormPrompter, Quit
from bot.console_org import OrganisationCommands
from bot.messages import Action, Message, Reply
from bot.service import ConversationService
from bot.terminal import printable
from bot.texts import Texts

COMMAND_FOR = {
    Action.OPEN_CASE: "/open {code}",
    Action.TAKE_UP: "/oppakken {code}",
    Action.CONTINUE: "/verder {code}",
    Action.ACUTE: "/acuut {code}",
    Action.NEW_CASE: "/nieuw",
    Action.REOPEN: "/heropen {code}",
    Action.PROPOSE_MOMENT: "/moment {code} DATUM TIJD",
    Action.HAND_TO_DEPUTY: "/doorgeven {code}",
    Action.SNOOZE_DAY: "/uitstellen {ref} dag",
    Action.SNOOZE_WEEK: "/uitstellen {ref} week",
    Action.REMINDER_DONE: "/afgehandeld {ref} NOTITIE",
    Action.MANAGE_ROLES: "/rol WIE ROL",
    Action.RECORD_ABSENCE: "/afwezig [WIE] VAN TOT",
    Action.WELCOME_ALL: "/welkom",
    Action.EXPLAIN: "/uitleg {ref}",
    Action.FEEDBACK: "/oordeel {code} {ref}",
    Action.STATS_CHART: "/grafiek",
}


@dataclass
class ConsoleChat:
    """The Chat port for the console: a DM is shown at once, and kept for /berichten."""

    write: Callable[[str], None]
    names: dict[str, str] = field(default_factory=dict)
    texts: Texts = field(default_factory=Texts)
    inbox: list[tuple[str, Message]] = field(default_factory=list)

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> None:
        self.send_dm(org_key=org_key, person_id=person_id, message=message)

    def send_dm(self, *, org_key: str, person_id: str, message: Message, done=None) -> None:
        self.inbox.append((person_id, message))
        if done is not None:
            done(None)
        name = self.names.get(person_id, person_id)
        self.write(printable(self.texts("console.dm", name=name, text=message.text)))
        if message.file is not None:
            self.write(self.texts("console.attachment", name=message.file[0]))
        for button in message.buttons:
            self.write(render_button(self.texts, button))


def render_button(texts: Texts, button) -> str:
    command = COMMAND_FOR[button.action].format(code=button.case_code or "", ref=button.ref or "").strip()
    return texts("console.button", label=button.label, command=command)


def write_private(path, text: str):
    """A file only its owner can read: a dossier holds special-category data."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


class ConsoleClock:
    """The console's clock: real time, or moved on with /tijd to see deadlines fall due."""

    def __init__(self, now: Callable[[], dt.datetime]):
        self._now, self.offset = now, dt.timedelta(0)

    def __call__(self) -> dt.datetime:
        return self._now() + self.offset


class Console(FormPrompter, OrganisationCommands):
    def __init__(
        self,
        service: ConversationService,
        chat: ConsoleChat,
        *,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
        persona: str | None = None,
        echo: bool | None = None,
        sender=None,
        clock: ConsoleClock | None = None,
        export_dir=None,
    ):
        self.service, self.chat, self.stdin, self.stdout = service, chat, stdin, stdout
        self.export_dir = export_dir
        self.sender, self.clock = sender, clock
        self.texts = service.texts
        self.echo = (not stdin.isatty()) if echo is None else echo
        self.people = service.people()
        chat.names.update({pid: name for pid, name, _ in self.people})
        self.persona = (service.find_person(persona) if persona else None) or self.people[0][0]
        self.case: str | None = None

    # ---- io --------------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        self.stdout.write(printable(text) + "\n")
        self.stdout.flush()

    def read(self, prompt: str) -> str | None:
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

    def name(self) -> str:
        return next((n for pid, n, _ in self.people if pid == self.persona), self.persona)

    def show(self, reply: Reply) -> None:
        for message in reply.messages:
            self.say(message.text)
            for button in message.buttons:
                self.say(render_button(self.texts, button))
            if message.case_code:
                self.case = message.case_code

    # ---- main loop -------------------------------------------------------------------------
    def run(self) -> int:
        self.say(self.texts("console.welcome", org=self.service.org.name, demo=self.service.org.is_demo))
        self.cmd_wie("")
        self.say(self.texts("safety"))
        self.say(self.texts("console.help"))
        while True:
            if self.sender is not None:
                from bot.notices import send_due_notices

                send_due_notices(self.service)  # training and evaluation notices (C3, C7)
                self.sender.run_once()  # due reminders arrive as the DMs people would get
            line = self.read(f"[{self.name()}] > ")
            if line is None:
                return 0
            line = line.strip()
            if not line:
                continue
            if not line.startswith("/"):
                self.say(self.texts("console.unknown_command"))
                continue
            command, _, arg = line[1:].partition(" ")
            handler = getattr(self, f"cmd_{command.lower()}", None)
            if command.lower() == "stop":
                self.say(self.texts("console.bye"))
                return 0
            if handler is None:
                self.say(self.texts("console.unknown_command"))
                continue
            try:
                handler(arg.strip())
            except Quit:
                self.say(self.texts("console.bye"))
                return 0

    def _code(self, arg: str) -> str | None:
        code = arg.split()[0].upper() if arg.split() else self.case
        if not code:
            self.say(self.texts("console.no_current_case"))
        return code

    def cmd_help(self, arg: str) -> None:
        self.say(self.texts("console.help"))

    def cmd_uitleg(self, arg: str) -> None:
        self.show(self.service.explain(arg.strip().removeprefix("stap").strip().strip("-")))

    def cmd_wie(self, arg: str) -> None:
        self.say(self.texts("console.people_title"))
        for pid, name, roles in self.people:
            self.say(self.texts("console.person_line", id=pid, name=name, roles=roles))
        self._whoami()

    def cmd_als(self, arg: str) -> None:
        match = self.service.find_person(arg)
        if match is None:
            self.say(self.texts("console.unknown_persona", who=arg[:40]))
            return
        self.persona = match
        self._speak()
        self.people = self.service.people()
        self._whoami()

    def _whoami(self) -> None:
        roles = next((r for pid, _, r in self.people if pid == self.persona), "")
        self.say(self.texts("console.you_are", name=self.name(), roles=roles))

    def cmd_nieuw(self, arg: str) -> None:
        reply = self.service.open_case(self.persona)
        self.show(reply)
        self.walk(reply.question)

    def cmd_zaken(self, arg: str) -> None:
        self.show(self.service.my_cases(self.persona))

    def cmd_open(self, arg: str) -> None:
        if code := self._code(arg):
            reply = self.service.show_case(self.persona, code)
            self.show(reply)
            if reply.ok:
                self.case = code
            self.walk(reply.question)

    def cmd_verder(self, arg: str) -> None:
        if code := self._code(arg):
            reply = self.service.question(self.persona, code)
            self.show(reply)
            self.walk(reply.question)

    def cmd_oppakken(self, arg: str) -> None:
        if code := self._code(arg):
            reply = self.service.take_up(self.persona, code)
            self.show(reply)
            self.walk(reply.question)

    def cmd_doorgeven(self, arg: str) -> None:
        if code := self._code(arg):
            self.show(self.service.hand_to_deputy(self.persona, code))

    def cmd_moment(self, arg: str) -> None:
        """/moment CODE 3-3-2026 14:00"""
        from flows.answers import FieldError, parse_date

        parts = arg.split()
        code = parts[0].upper() if parts and parts[0].upper().startswith("MC-") else self.case
        rest = parts[1:] if parts and parts[0].upper().startswith("MC-") else parts
        when = None
        try:
            day = parse_date(rest[0]) if rest else None
            hour, minute = (int(x) for x in (rest[1] if len(rest) > 1 else "09:00").split(":"))
            if day:
                when = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=self.service.tz)
        except (FieldError, ValueError):
            when = None
        if not code:
            self.say(self.texts("console.no_current_case"))
            return
        reply = self.service.propose_moment(self.persona, code, when)
        self.show(reply)
        for error in reply.errors.values():
            self.say("  ! " + error)

    def cmd_tijd(self, arg: str) -> None:
        """/tijd, /tijd +3d, /tijd +4u, /tijd 10-12-2026 09:00: the console's clock, for trying deadlines."""
        from flows.answers import FieldError, parse_date

        if self.clock is None:
            return
        arg = arg.strip().lower()
        try:
            if arg.startswith("+") and arg[-1] in "du" and arg[1:-1].isdigit():
                amount = int(arg[1:-1])
                self.clock.offset += dt.timedelta(days=amount) if arg[-1] == "d" else dt.timedelta(hours=amount)
            elif arg:
                parts = arg.split()
                hour, minute = (int(x) for x in (parts[1] if len(parts) > 1 else "09:00").split(":"))
                target = dt.datetime.combine(parse_date(parts[0]), dt.time(hour, minute), tzinfo=self.service.tz)
                self.clock.offset += target - self.clock()
        except (FieldError, ValueError):
            self.say(self.texts("console.bad_time"))
            return
        self.say(self.texts("console.time", now=self.texts.datetime(self.clock())))

    def cmd_uitstellen(self, arg: str) -> None:
        parts = arg.split()
        if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in ("dag", "week"):
            self.say(self.texts("console.snooze_usage"))
            return
        self.show(self.service.snooze(self.persona, int(parts[0]), 1 if parts[1] == "dag" else 7))

    def cmd_afgehandeld(self, arg: str) -> None:
        ref, _, note = arg.partition(" ")
        if not ref.isdigit():
            self.say(self.texts("console.done_usage"))
            return
        reply = self.service.reminder_done(self.persona, int(ref), note)
        self.show(reply)
        for error in reply.errors.values():
            self.say("  ! " + error)

    def cmd_acuut(self, arg: str) -> None:
        code = arg.split()[0].upper() if arg.split() else None
        self.show(self.service.acute(self.persona, code))

    def cmd_heropen(self, arg: str) -> None:
        if code := self._code(arg):
            reply = self.service.reopen(self.persona, code)
            self.show(reply)
            self.walk(reply.question)

    def cmd_collega(self, arg: str) -> None:
        parts = arg.split()
        if not parts:
            self.say(self.texts("console.unknown_persona", who=""))
            return
        if code := self._code(" ".join(parts[1:])):
            self.show(self.service.add_colleague(self.persona, code, parts[0]))

    def _entry(self, arg: str, kind: str) -> None:
        if code := self._code(arg):
            reply = self.service.entry_form(self.persona, code, kind)
            self.show(reply)
            if reply.question:
                self._submit(reply.question, lambda values: self.service.add_entry(self.persona, code, kind, values))

    def cmd_zonder(self, arg: str) -> None:
        parts = arg.split()
        if parts and (code := self._code(" ".join(parts[1:]))):
            self.show(self.service.remove_colleague(self.persona, code, parts[0]))

    def cmd_signaal(self, arg: str) -> None:
        self._entry(arg, "signal")

    def cmd_contact(self, arg: str) -> None:
        self._entry(arg, "contact")

    def cmd_correctie(self, arg: str) -> None:
        if code := self._code(arg):
            reply = self.service.correction_form(self.persona, code)
            self.show(reply)
            if reply.question:
                self._submit(
                    reply.question,
                    lambda values: self.service.correct(
                        self.persona, code, int(values.get("answer") or 0), values.get("note", "")
                    ),
                )

    def cmd_opvolgen(self, arg: str) -> None:
        if code := self._code(arg):
            reply = self.service.follow_up_form(self.persona, code)
            self.show(reply)
            if reply.question:
                self._submit(reply.question, lambda values: self.service.follow_up(self.persona, code, values))

    def cmd_export(self, arg: str) -> None:
        """/export [CODE] [html]: the dossier as a file, readable by its owner only."""
        words = arg.split()
        fmt = "html" if "html" in words else "md"
        code = self._code(" ".join(w for w in words if w != "html"))
        if not code or self.export_dir is None:
            return
        reply = self.service.export(self.persona, code, fmt)
        if not reply.ok:
            self.show(reply)
            return
        path = write_private(self.export_dir / f"{code}.{fmt}", reply.messages[0].text)
        self.say(self.texts("console.exported", path=str(path)))

    def cmd_toegang(self, arg: str) -> None:
        if code := self._code(arg):
            self.show(self.service.access_log(self.persona, code))

    def cmd_berichten(self, arg: str) -> None:
        mine = [m for pid, m in self.chat.inbox if pid == self.persona]
        if not mine:
            self.say(self.texts("console.no_dms", name=self.name()))
            return
        self.say(self.texts("console.dms_title", name=self.name()))
        for message in mine:
            self.say("  " + message.text)
            for button in message.buttons:
                self.say(render_button(self.texts, button))
