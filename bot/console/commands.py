"""The console's commands for people and cases: each takes the session and what was typed after the command.

A new command: a function here (or in bot.console.organisation), a line in bot.console.table.COMMANDS, and its
usage and description in the texts (console.usage.<name>, console.does.<name>), from which /help is made."""

from __future__ import annotations

import datetime as dt

from bot.console.files import write_private
from bot.console.forms import submit, walk
from bot.console.session import Quit, Session
from flows.answers import FieldError, parse_date
from flows.vocabulary import HELP_PLAN


def stop(s: Session, arg: str) -> None:
    raise Quit()


def explain(s: Session, arg: str) -> None:
    s.show(s.service.explain(arg.strip().removeprefix("stap").strip().strip("-")))


def who(s: Session, arg: str) -> None:
    s.say(s.texts("console.people_title"))
    for pid, name, roles in s.people:
        s.say(s.texts("console.person_line", id=pid, name=name, roles=roles))
    s.whoami()


def become(s: Session, arg: str) -> None:
    match = s.service.find_person(arg)
    if match is None:
        s.say(s.texts("console.unknown_persona", who=arg[:40]))
        return
    s.persona = match
    s.speak()
    s.people = s.service.people()
    s.whoami()


def new_case(s: Session, arg: str) -> None:
    reply = s.service.open_case(s.persona)
    s.show(reply)
    walk(s, reply.question)


def my_cases(s: Session, arg: str) -> None:
    s.show(s.service.my_cases(s.persona))


def open_case(s: Session, arg: str) -> None:
    if code := s.code(arg):
        reply = s.service.show_case(s.persona, code)
        s.show(reply)
        if reply.ok:
            s.case = code
        walk(s, reply.question)


def go_on(s: Session, arg: str) -> None:
    if code := s.code(arg):
        reply = s.service.question(s.persona, code)
        s.show(reply)
        walk(s, reply.question)


def take_up(s: Session, arg: str) -> None:
    if code := s.code(arg):
        reply = s.service.take_up(s.persona, code)
        s.show(reply)
        walk(s, reply.question)


def hand_over(s: Session, arg: str) -> None:
    if code := s.code(arg):
        s.show(s.service.hand_to_deputy(s.persona, code))


def propose_moment(s: Session, arg: str) -> None:
    """/moment CODE 3-3-2026 14:00"""
    parts = arg.split()
    named = bool(parts) and parts[0].upper().startswith("MC-")
    code = parts[0].upper() if named else s.case
    rest = parts[1:] if named else parts
    when = None
    try:
        day = parse_date(rest[0]) if rest else None
        hour, minute = (int(x) for x in (rest[1] if len(rest) > 1 else "09:00").split(":"))
        if day:
            when = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=s.service.tz)
    except (FieldError, ValueError):
        when = None
    if not code:
        s.say(s.texts("console.no_current_case"))
        return
    s.show_errors(s.service.propose_moment(s.persona, code, when))


def move_clock(s: Session, arg: str) -> None:
    """/tijd, /tijd +3d, /tijd +4u, /tijd 10-12-2026 09:00: the console's clock, for trying deadlines."""
    if s.clock is None:
        return
    arg = arg.strip().lower()
    try:
        if arg.startswith("+") and arg[-1] in "du" and arg[1:-1].isdigit():
            amount = int(arg[1:-1])
            s.clock.offset += dt.timedelta(days=amount) if arg[-1] == "d" else dt.timedelta(hours=amount)
        elif arg:
            parts = arg.split()
            hour, minute = (int(x) for x in (parts[1] if len(parts) > 1 else "09:00").split(":"))
            target = dt.datetime.combine(parse_date(parts[0]), dt.time(hour, minute), tzinfo=s.service.tz)
            s.clock.offset += target - s.clock()
    except (FieldError, ValueError):
        s.say(s.texts("console.bad_time"))
        return
    s.say(s.texts("console.time", now=s.texts.datetime(s.clock())))


def snooze(s: Session, arg: str) -> None:
    parts = arg.split()
    if len(parts) != 2 or not parts[0].isdigit() or parts[1] not in ("dag", "week"):
        s.say(s.texts("console.snooze_usage"))
        return
    s.show(s.service.snooze(s.persona, int(parts[0]), 1 if parts[1] == "dag" else 7))


def reminder_done(s: Session, arg: str) -> None:
    """/afgehandeld NR [ja|nee] NOTITIE: ja/nee answers "new signals?" at the last monitoring check-in."""
    ref, _, rest = arg.partition(" ")
    if not ref.isdigit():
        s.say(s.texts("console.done_usage"))
        return
    first, _, after = rest.partition(" ")
    new_signals, note = (first, after) if first.lower() in ("ja", "nee") else (None, rest)
    reply = s.service.reminder_done(s.persona, int(ref), note, new_signals)
    s.show_errors(reply)
    if "new_signals" in reply.errors:
        s.say(s.texts("console.done_usage"))


def acute(s: Session, arg: str) -> None:
    code = arg.split()[0].upper() if arg.split() else None
    s.show(s.service.acute(s.persona, code))


def reopen(s: Session, arg: str) -> None:
    if code := s.code(arg):
        reply = s.service.reopen(s.persona, code)
        s.show(reply)
        walk(s, reply.question)


def add_colleague(s: Session, arg: str) -> None:
    parts = arg.split()
    if not parts:
        s.say(s.texts("console.unknown_persona", who=""))
        return
    if code := s.code(" ".join(parts[1:])):
        s.show(s.service.add_colleague(s.persona, code, parts[0]))


def remove_colleague(s: Session, arg: str) -> None:
    parts = arg.split()
    if parts and (code := s.code(" ".join(parts[1:]))):
        s.show(s.service.remove_colleague(s.persona, code, parts[0]))


def _entry(s: Session, arg: str, kind: str) -> None:
    if code := s.code(arg):
        reply = s.service.entry_form(s.persona, code, kind)
        s.show(reply)
        if reply.question:
            submit(s, reply.question, lambda values: s.service.add_entry(s.persona, code, kind, values))


def add_signal(s: Session, arg: str) -> None:
    _entry(s, arg, "signal")


def add_contact(s: Session, arg: str) -> None:
    _entry(s, arg, "contact")


def add_sisa(s: Session, arg: str) -> None:
    _entry(s, arg, "sisa")


def add_help_plan(s: Session, arg: str) -> None:
    _entry(s, arg, HELP_PLAN)


def correct(s: Session, arg: str) -> None:
    if code := s.code(arg):
        reply = s.service.correction_form(s.persona, code)
        s.show(reply)
        if reply.question:
            submit(
                s,
                reply.question,
                lambda values: s.service.correct(
                    s.persona, code, int(values.get("answer") or 0), values.get("note", "")
                ),
            )


def follow_up(s: Session, arg: str) -> None:
    if code := s.code(arg):
        reply = s.service.follow_up_form(s.persona, code)
        s.show(reply)
        if reply.question:
            submit(s, reply.question, lambda values: s.service.follow_up(s.persona, code, values))


def export(s: Session, arg: str) -> None:
    """/export [CODE] [html|pdf|summary]: the dossier (or the melding summary) as a file, for its owner only."""
    words = arg.split()
    kinds = ("html", "pdf", "summary")
    fmt = next((w for w in words if w in kinds), "md")
    code = s.code(" ".join(w for w in words if w not in kinds))
    if not code or s.export_dir is None:
        return
    reply = s.service.export(s.persona, code, fmt)
    if not reply.ok:
        s.show(reply)
        return
    document = reply.messages[0].file
    content = document[1] if document else reply.messages[0].text
    suffix = {"summary": "veilig-thuis.txt"}.get(fmt, fmt)
    path = write_private(s.export_dir / f"{code}.{suffix}", content)
    s.say(s.texts("console.exported", path=str(path)))


def access_log(s: Session, arg: str) -> None:
    if code := s.code(arg):
        s.show(s.service.access_log(s.persona, code))


def messages(s: Session, arg: str) -> None:
    mine = [m for pid, m in s.inbox if pid == s.persona]
    if not mine:
        s.say(s.texts("console.no_dms", name=s.name()))
        return
    s.say(s.texts("console.dms_title", name=s.name()))
    for message in mine:
        s.say("  " + message.text)
        for button in message.buttons:
            s.say(s.button_text(button))
