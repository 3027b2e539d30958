"""Console commands for the organisation (part C): figures and charts, roles and absences, the welcome,
the close-of-case question and the language."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.console.files import write_private
from bot.console.session import Session
from flows.answers import FieldError, parse_date

# Staff role words as people type them in /rol.
ROLE_WORDS = {
    "kindkrachtspecialist": "kindkrachtspecialist",
    "trajectbegeleider": "trajectbegeleider",
    "onderwijskundig_medewerker": "onderwijskundig_medewerker",
    "om": "onderwijskundig_medewerker",
    "geen": None,
}
FLAG_WORDS = {"af": "af", "plaatsvervanger": "deputy", "bestuur": "board"}


def _period(s: Session, arg: str) -> tuple[dt.date, dt.date] | None:
    """[VAN TOT] for /cijfers and /grafiek: this year so far when left out."""
    parts = arg.split()
    today = s.service.today(s.service.clock())
    try:
        return (
            parse_date(parts[0]) if parts else today.replace(month=1, day=1),
            parse_date(parts[1]) if len(parts) > 1 else today,
        )
    except FieldError:
        s.say(s.texts("console.bad_period"))
        return None


def figures(s: Session, arg: str) -> None:
    if period := _period(s, arg):
        s.show(s.service.stats(s.persona, *period))


def chart(s: Session, arg: str) -> None:
    """/grafiek [VAN TOT]: the evaluation chart as a PNG file (C7)."""
    period = _period(s, arg)
    if period is None:
        return
    reply = s.service.stats(s.persona, *period, fmt="png")
    file = reply.messages[0].file if reply.ok and reply.messages else None
    if file is None or s.export_dir is None:
        s.show(reply)
        return
    name, content = file
    path = write_private(s.export_dir / name, content)
    s.say(s.texts("console.chart_saved", path=str(path)))


def report(s: Session, arg: str) -> None:
    """/jaarverslag [JAAR]: the yearly evaluation report (C7) as a PDF/A file, for its maker only."""
    word = arg.strip() or str(s.service.today(s.service.clock()).year)
    if not word.isdigit():
        s.say(s.texts("console.bad_year"))
        return
    reply = s.service.report(s.persona, int(word), "pdf")
    file = reply.messages[0].file if reply.ok and reply.messages else None
    if file is None or s.export_dir is None:
        s.show(reply)
        return
    path = write_private(s.export_dir / file[0], file[1])
    s.say(s.texts("evaluation.saved", year=int(word), path=str(path)))


# ---- administration (C5): admins, and the AF for their own absence --------------------------------
def people_overview(s: Session, arg: str) -> None:
    s.show(s.service.people_overview(s.persona))


def set_roles(s: Session, arg: str) -> None:
    """/rol WIE [kindkrachtspecialist|trajectbegeleider|onderwijskundig_medewerker|geen] [af|-af]
    [plaatsvervanger|-plaatsvervanger] [bestuur|-bestuur]"""
    words = arg.split()
    who = s.service.find_person(words[0]) if words else None
    if who is None or len(words) < 2:
        s.say(s.texts("console.role_usage"))
        return
    changes: dict[str, Any] = {}
    for word in (w.lower() for w in words[1:]):
        if word in ROLE_WORDS:
            changes["staff_role"] = ROLE_WORDS[word]
        elif word.lstrip("-") in FLAG_WORDS:
            changes[FLAG_WORDS[word.lstrip("-")]] = not word.startswith("-")
        else:
            s.say(s.texts("console.role_usage"))
            return
    s.show(s.service.set_roles(s.persona, who, **changes))
    s.people = s.service.people()


def record_absence(s: Session, arg: str) -> None:
    """/afwezig [WIE] VAN TOT: an absence of the AF (or a deputy); without WIE, your own."""
    words = arg.split()
    who = s.service.find_person(words[0]) if len(words) == 3 else s.persona
    dates = words[-2:] if len(words) >= 2 else []
    try:
        start, end = (parse_date(d) for d in dates) if dates else (None, None)
    except FieldError:
        start = end = None
    if who is None:
        s.say(s.texts("console.unknown_persona", who=words[0][:40]))
        return
    s.show(s.service.record_absence(s.persona, who, start, end))
    s.people = s.service.people()


def cancel_absence(s: Session, arg: str) -> None:
    """/schrap NR: an absence recorded by mistake."""
    if not arg.strip().isdigit():
        s.say(s.texts("console.cancel_absence_usage"))
        return
    s.show(s.service.cancel_absence(s.persona, int(arg.strip())))
    s.people = s.service.people()


def feedback(s: Session, arg: str) -> None:
    """/oordeel CODE ja|deels|nee: the close-of-case question (C7)."""
    words = arg.split()
    if len(words) == 1:
        words = [s.case or "", words[0]]
    if len(words) != 2:
        s.say(s.texts("denied.feedback_word"))
        return
    s.show(s.service.feedback(s.persona, words[0].upper(), words[1].lower()))


def language(s: Session, arg: str) -> None:
    """/taal en | /taal nl: the language the bot speaks with this persona (C: English as second language)."""
    reply = s.service.set_language(s.persona, arg)
    if reply.ok:
        s.speak()
    s.show(reply)


def acknowledge_board(s: Session, arg: str) -> None:
    """/gelezen CODE: a board member confirms the notice of a strong suspicion (Q1b) was read."""
    if code := s.code(arg):
        s.show(s.service.acknowledge_board(s.persona, code))


def welcome_all(s: Session, arg: str) -> None:
    s.show(s.service.welcome_all(s.persona))
