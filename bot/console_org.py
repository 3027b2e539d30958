"""Console commands for the organisation (part C): figures and charts, roles and absences, the welcome,
the close-of-case question and the language; a mixin of bot.console.Console."""

from __future__ import annotations

import datetime as dt

# Staff role words as people type them in /rol.
ROLE_WORDS = {
    "kindkrachtspecialist": "kindkrachtspecialist",
    "trajectbegeleider": "trajectbegeleider",
    "onderwijskundig_medewerker": "onderwijskundig_medewerker",
    "om": "onderwijskundig_medewerker",
    "geen": None,
}


class OrganisationCommands:
    """Expects the Console's service, persona, people, export_dir, texts, say and show."""

    def _period(self, arg: str) -> tuple[dt.date, dt.date] | None:
        """[VAN TOT] for /cijfers and /grafiek: this year so far when left out."""
        from flows.answers import FieldError, parse_date

        parts = arg.split()
        today = self.service.today(self.service.clock())
        try:
            return (
                parse_date(parts[0]) if parts else today.replace(month=1, day=1),
                parse_date(parts[1]) if len(parts) > 1 else today,
            )
        except FieldError:
            self.say(self.texts("console.bad_period"))
            return None

    def cmd_cijfers(self, arg: str) -> None:
        if period := self._period(arg):
            self.show(self.service.stats(self.persona, *period))

    # ---- administration (C5): admins, and the AF for their own absence ----------------------------
    def cmd_beheer(self, arg: str) -> None:
        self.show(self.service.people_overview(self.persona))

    def cmd_rol(self, arg: str) -> None:
        """/rol WIE [kindkrachtspecialist|trajectbegeleider|onderwijskundig_medewerker|geen] [af|-af]
        [plaatsvervanger|-plaatsvervanger] [bestuur|-bestuur]"""
        words = arg.split()
        who = self.service.find_person(words[0]) if words else None
        if who is None or len(words) < 2:
            self.say(self.texts("console.role_usage"))
            return
        changes: dict = {}
        flags = {"af": "af", "plaatsvervanger": "deputy", "bestuur": "board"}
        for word in (w.lower() for w in words[1:]):
            if word in ROLE_WORDS:
                changes["staff_role"] = ROLE_WORDS[word]
            elif word.lstrip("-") in flags:
                changes[flags[word.lstrip("-")]] = not word.startswith("-")
            else:
                self.say(self.texts("console.role_usage"))
                return
        self.show(self.service.set_roles(self.persona, who, **changes))
        self.people = self.service.people()

    def cmd_afwezig(self, arg: str) -> None:
        """/afwezig [WIE] VAN TOT: an absence of the AF (or a deputy); without WIE, your own."""
        from flows.answers import FieldError, parse_date

        words = arg.split()
        who = self.service.find_person(words[0]) if len(words) == 3 else self.persona
        dates = words[-2:] if len(words) >= 2 else []
        try:
            start, end = (parse_date(d) for d in dates) if dates else (None, None)
        except FieldError:
            start = end = None
        if who is None:
            self.say(self.texts("console.unknown_persona", who=words[0][:40]))
            return
        self.show(self.service.record_absence(self.persona, who, start, end))
        self.people = self.service.people()

    def cmd_schrap(self, arg: str) -> None:
        """/schrap NR: an absence recorded by mistake."""
        if not arg.strip().isdigit():
            self.say(self.texts("console.cancel_absence_usage"))
            return
        self.show(self.service.cancel_absence(self.persona, int(arg.strip())))
        self.people = self.service.people()

    def cmd_oordeel(self, arg: str) -> None:
        """/oordeel CODE ja|deels|nee: the close-of-case question (C7)."""
        words = arg.split()
        if len(words) == 1:
            words = [self.case or "", words[0]]
        if len(words) != 2:
            self.say(self.texts("denied.feedback_word"))
            return
        self.show(self.service.feedback(self.persona, words[0].upper(), words[1].lower()))

    def cmd_taal(self, arg: str) -> None:
        """/taal en | /taal nl: the language the bot speaks with this persona (C: English as second language)."""
        reply = self.service.set_language(self.persona, arg)
        if reply.ok:
            self._speak()
        self.show(reply)

    def _speak(self) -> None:
        from bot import i18n

        i18n.set_for_event(self.service.language_of(self.persona))

    def cmd_welkom(self, arg: str) -> None:
        self.show(self.service.welcome_all(self.persona))

    def cmd_grafiek(self, arg: str) -> None:
        """/grafiek [VAN TOT]: the evaluation chart as a PNG file (C7)."""
        period = self._period(arg)
        if period is None:
            return
        reply = self.service.stats(self.persona, *period, fmt="png")
        if not reply.ok or self.export_dir is None:
            self.show(reply)
            return
        name, content = reply.messages[0].file
        path = self.export_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.say(self.texts("console.chart_saved", path=str(path)))
