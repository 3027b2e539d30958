"""Asking a form's fields one by one in the terminal: numbered choices, re-asking only what was wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.console.session import Cancelled, Quit, Session
from bot.messages import FieldView, QuestionView, Reply


def walk(session: Session, question: QuestionView | None) -> None:
    """Ask question after question while it is this person's turn."""
    service = session.service
    while question is not None:

        def send(values: dict[str, Any], q: QuestionView = question) -> Reply:
            return service.answer(session.persona, q.case_code, q.node_id, values, q.draft)

        reply = submit(session, question, send)
        question = reply.question if reply else None


def submit(session: Session, question: QuestionView, send: Callable[[dict[str, Any]], Reply]) -> Reply | None:
    """Ask a form's fields, send them, and ask again only the fields that were wrong. None: cancelled."""
    return _Form(session).submit(question, send)


class _Form:
    def __init__(self, session: Session):
        self.session, self.texts = session, session.texts
        self.say, self.read, self.show = session.say, session.read, session.show

    def submit(self, question: QuestionView, send: Callable[[dict[str, Any]], Reply]) -> Reply | None:
        self.say("")
        self.say(f"— {question.step_title} —")
        self.say(question.title)
        if question.prompt:
            self.say(question.prompt)
        values: dict[str, Any] = {}
        todo = [f.id for f in question.fields]
        while True:
            try:
                for fv in question.fields:
                    if fv.id not in todo or not fv.applies(values):
                        continue
                    values[fv.id] = self.ask_field(fv)
            except Cancelled:
                self.say(self.texts("console.cancelled"))
                return None
            sent = {k: v for k, v in values.items() if next(f for f in question.fields if f.id == k).applies(values)}
            reply = send(sent)
            if reply.errors:
                self.show(reply)
                for fid, error in reply.errors.items():
                    label = next((f.label for f in question.fields if f.id == fid), fid)
                    self.say(f"  ! {label}: {error}")
                todo = list(reply.errors)  # only the fields that were wrong; the rest stays as typed
                if not any(f.id in todo and f.applies(values) for f in question.fields):
                    todo = [f.id for f in question.fields]  # nothing left to ask again: ask the whole form
                continue
            self.show(reply)
            return reply

    def ask_field(self, fv: FieldView) -> Any:
        t = self.texts
        self.say(fv.label + ("" if fv.required else " " + t("console.optional")))
        if fv.hint:
            self.say("  " + fv.hint)
        hint = ""
        if fv.type in ("choice", "multi_choice", "person"):
            for i, (_, label) in enumerate(fv.choices, 1):
                self.say(f"  {i}) {label}")
            hint = {
                "choice": t("console.choose_number"),
                "multi_choice": t("console.choose_numbers"),
                "person": t("console.person_hint"),
            }[fv.type]
        elif fv.type == "yes_no":
            hint = t("console.yes_no")
        elif fv.type == "date":
            hint = t("console.date_hint")
        elif fv.type == "date_list":
            hint = t("console.dates_hint")
        if fv.initial not in (None, "", []):
            self.say("  " + t("console.default", value=self._shown(fv)))
        while True:
            line = self.read(f"  {hint}> " if hint else "  > ")
            if line is None:
                raise Cancelled()
            line = line.strip()
            if line.lower() == "/annuleer":
                raise Cancelled()
            if line.lower() == "/stop":
                self.say(self.texts("console.cancelled"))
                raise Quit()
            if line.lower().startswith("/acuut"):
                words = (line[6:].strip() or (self.session.case or "")).split()
                self.show(self.session.service.acute(self.session.persona, words[0].upper() if words else None))
                continue
            if line.startswith("/"):
                # A command is never stored as an answer.
                self.say("  ! " + t("console.in_question"))
                continue
            if not line and fv.initial not in (None, "", []):
                return self._initial(fv)
            if fv.type in ("choice", "multi_choice", "person"):
                mapped = self._map_choices(fv, line)
                if mapped is None:
                    self.say("  ! " + t("errors.invalid_choice"))
                    continue
                return mapped
            return line

    @staticmethod
    def _shown(fv: FieldView) -> str:
        labels = dict(fv.choices)
        if fv.type == "date" and isinstance(fv.initial, str) and len(fv.initial) == 10:
            year, month, day = fv.initial.split("-")
            return f"{int(day)}-{int(month)}-{year}"  # as the console writes dates
        if fv.type == "multi_choice":
            return ", ".join(labels.get(v, v) for v in fv.initial)
        return str(labels.get(fv.initial, fv.initial))

    @staticmethod
    def _initial(fv: FieldView) -> Any:
        """Enter accepts what the form showed preselected."""
        if fv.type == "person":
            return {"id": fv.initial} if fv.initial in dict(fv.choices) else {"name": fv.initial}
        return fv.initial

    @staticmethod
    def _map_choices(fv: FieldView, line: str) -> Any:
        ids = [cid for cid, _ in fv.choices]

        def one(token: str) -> str | None:
            token = token.strip()
            if token.isdigit() and 1 <= int(token) <= len(ids):
                return ids[int(token) - 1]
            return token if token in ids else None

        if not line:
            return "" if fv.type != "multi_choice" else []
        if fv.type == "person":
            picked = one(line)
            return {"id": picked} if picked else {"name": line}
        if fv.type == "multi_choice":
            picks = [one(tok) for tok in line.replace(";", ",").split(",") if tok.strip()]
            return None if None in picks else picks
        return one(line)
