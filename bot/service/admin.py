"""Roles kept current (C5, B4): admins manage AF, deputies, staff roles and the board; absences hand the AF over."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.errors import Denied
from bot.messages import Action, Button, FieldView, Message, QuestionView, Reply
from bot.service import wording
from bot.service.call import Call, operation
from bot.service.part import Part
from storage import cases as case_repo
from storage import consultations as consultation_repo
from storage import organisations as org_repo
from storage.models import Person

STAFF_ROLES = ("kindkrachtspecialist", "trajectbegeleider", "onderwijskundig_medewerker")
AF_ROLE = "onderwijskundig_medewerker"  # B4: the AF and the deputies are onderwijskundig medewerkers
KEEP: Any = object()  # a role argument left as it is


class Administration(Part):
    def _admin(self, call: Call) -> None:
        if not call.person.is_admin:
            raise Denied("not_admin")

    def _target(self, call: Call, external_id: str) -> Person:
        person = org_repo.get_person(call.session, org_id=call.org.id, external_id=external_id)
        if person is None:
            raise Denied("unknown_colleague", name=external_id[:40])
        return person

    @operation("read")
    def people_overview(self, call: Call) -> Reply:
        """Admins: everyone with their roles, the absences to come, and the latest role changes."""

        self._admin(call)
        today = self.core.today(call.now)
        af = self.core.acting_af(call)
        people = org_repo.list_people(call.session, org_id=call.org.id)
        names: dict[int | None, str] = {p.id: p.name for p in people}
        lines = [self.texts("admin.people_title")]
        lines += [
            self.texts(
                "admin.person_line",
                id=p.external_id,
                name=p.name,
                roles=wording.role_words(self.texts, p, acting_af=af),
            )
            for p in people
        ]
        lines.append(self.texts("admin.acting_af", af=af.name if af else ""))
        absences = org_repo.absences_from(call.session, org_id=call.org.id, on=today)
        lines.append(self.texts("admin.absences_title") if absences else self.texts("admin.no_absences"))
        lines += [
            self.texts(
                "admin.absence_line",
                id=a.id,
                name=names.get(a.person_id, "?"),
                start=self.texts.date(a.starts_on),
                end=self.texts.date(a.ends_on),
            )
            for a in absences
        ]
        changes = case_repo.org_events(call.session, org_id=call.org.id, limit=10)
        if changes:
            lines.append(self.texts("admin.changes_title"))
            lines += [
                self._change_line(e.kind, e.detail, e.created_at, names.get(e.actor_id, "?"), names) for e in changes
            ]
        return Reply(messages=[Message("\n".join(lines), tone="private")])

    def _change_line(
        self, kind: str, detail: dict[str, Any], at: dt.datetime, by: str, names: dict[int | None, str]
    ) -> str:
        params = {"at": self.texts.datetime(at), "by": by, "name": names.get(detail.get("person"), "?")}
        if kind == "role_changed":
            role, new = detail.get("role"), detail.get("to_value")
            if role == "staff_role":
                what = self.texts(f"roles.{new}") if new else self.texts("roles.none")
            else:
                what = self.texts(f"admin.flag.{role}.{'on' if new else 'off'}")
            return self.texts("admin.change.role_changed", what=what, **params)
        for key in ("start", "end"):
            if detail.get(key):
                params[key] = self.texts.date(dt.date.fromisoformat(detail[key]))
        return self.texts(f"admin.change.{kind}", to=names.get(detail.get("to"), ""), **params)

    def admin_buttons(self, person: Person) -> tuple[Button, ...]:
        """What the App Home offers an admin, and the AF or a deputy (their absence)."""
        buttons = []
        if person.is_admin:
            buttons.append(Button(self.texts("buttons.manage_roles"), Action.MANAGE_ROLES))
        if person.is_admin or person.is_af or person.is_deputy:
            buttons.append(Button(self.texts("buttons.record_absence"), Action.RECORD_ABSENCE))
        if person.is_admin:
            buttons.append(Button(self.texts("buttons.welcome_all"), Action.WELCOME_ALL))
        if person.is_board or person.is_af or person.is_deputy:
            buttons.append(Button(self.texts("buttons.stats_chart"), Action.STATS_CHART))
            buttons.append(Button(self.texts("buttons.report"), Action.REPORT))
        return tuple(buttons)

    @operation("read", action="people_overview")
    def roles_form(self, call: Call, target: str = "") -> Reply:
        """Admins: first whose roles, then the roles (as they are now) to change."""

        self._admin(call)
        people = org_repo.list_people(call.session, org_id=call.org.id)
        if not target:
            pick = FieldView(
                id="person",
                type="choice",
                label=self.texts("admin.form.person"),
                hint=None,
                required=True,
                choices=tuple((p.external_id, p.name) for p in people),
            )
            return Reply(
                question=QuestionView(
                    case_code="",
                    node_id="admin.roles_pick",
                    step_title=self.texts("admin.form.step"),
                    title=self.texts("admin.form.roles_title"),
                    prompt=None,
                    why=None,
                    fields=(pick,),
                )
            )
        person = self._target(call, target)
        flags = [k for k, on in (("af", person.is_af), ("deputy", person.is_deputy), ("board", person.is_board)) if on]
        fields = (
            FieldView(
                id="staff_role",
                type="choice",
                label=self.texts("admin.form.staff_role"),
                hint=None,
                required=True,
                choices=(
                    *tuple((r, self.texts(f"roles.{r}")) for r in STAFF_ROLES),
                    ("none", self.texts("roles.none")),
                ),
                initial=person.staff_role or "none",
            ),
            FieldView(
                id="roles",
                type="multi_choice",
                label=self.texts("admin.form.roles"),
                hint=self.texts("admin.form.roles_hint"),
                required=False,
                choices=(
                    ("af", self.texts("roles.af")),
                    ("deputy", self.texts("roles.deputy")),
                    ("board", self.texts("roles.board")),
                ),
                initial=flags,
            ),
        )
        return Reply(
            question=QuestionView(
                case_code="",
                node_id="admin.roles",
                step_title=self.texts("admin.form.step"),
                title=person.name,
                prompt=self.texts(
                    "admin.form.now", roles=wording.role_words(self.texts, person, acting_af=self.core.acting_af(call))
                ),
                why=None,
                fields=fields,
            )
        )

    @operation("read", action="people_overview")
    def absence_form(self, call: Call) -> Reply:
        """The AF or a deputy (for themselves) or an admin (for either) records an absence."""

        people = [p for p in org_repo.list_people(call.session, org_id=call.org.id) if p.is_af or p.is_deputy]
        if not call.person.is_admin:
            if call.person.id not in {p.id for p in people}:
                raise Denied("absence_only_af", name=call.person.name)
            people = [p for p in people if p.id == call.person.id]
        today = self.core.today(call.now)
        fields = (
            FieldView(
                id="person",
                type="choice",
                label=self.texts("admin.form.absent"),
                hint=None,
                required=True,
                choices=tuple((p.external_id, p.name) for p in people),
                initial=call.person.external_id if call.person.id in {p.id for p in people} else None,
            ),
            FieldView(
                id="start",
                type="date",
                label=self.texts("admin.form.start"),
                hint=None,
                required=True,
                initial=today.isoformat(),
            ),
            FieldView(id="end", type="date", label=self.texts("admin.form.end"), hint=None, required=True),
        )
        return Reply(
            question=QuestionView(
                case_code="",
                node_id="admin.absence",
                step_title=self.texts("admin.form.step"),
                title=self.texts("admin.form.absence_title"),
                prompt=self.texts("admin.form.absence_prompt"),
                why=None,
                fields=fields,
            )
        )

    def set_roles_from_form(self, actor: str, target: str, values: dict) -> Reply:
        """The roles form as submitted: a staff role (or none) and the flags that are on."""
        flags = values.get("roles") or []
        role = values.get("staff_role") or ""
        return self.set_roles(
            actor,
            target,
            staff_role=None if role == "none" else role,
            af="af" in flags,
            deputy="deputy" in flags,
            board="board" in flags,
        )

    @operation("write")
    def set_roles(
        self,
        call: Call,
        target: str,
        *,
        staff_role: Any = KEEP,
        af: Any = KEEP,
        deputy: Any = KEEP,
        board: Any = KEEP,
        name: str = "",
    ) -> Reply:
        """Admins change someone's roles; takes effect at once, is logged and audited. One AF at a time (B4)."""

        self._admin(call)
        person = org_repo.get_person(call.session, org_id=call.org.id, external_id=target)
        if person is None:
            if not name:
                raise Denied("unknown_colleague", name=target[:40])
            person = org_repo.add_person(call.session, org_id=call.org.id, external_id=target, name=name[:200])
        wanted = {
            "staff_role": person.staff_role if staff_role is KEEP else staff_role,
            "is_af": person.is_af if af is KEEP else bool(af),
            "is_deputy": person.is_deputy if deputy is KEEP else bool(deputy),
            "is_board": person.is_board if board is KEEP else bool(board),
        }
        if wanted["staff_role"] not in (None, *STAFF_ROLES):
            raise Denied("unknown_role", role=str(wanted["staff_role"])[:40])
        if (wanted["is_af"] or wanted["is_deputy"]) and wanted["staff_role"] != AF_ROLE:
            raise Denied("af_must_be_om", name=person.name)
        if wanted["is_af"] and wanted["is_deputy"]:
            if af is KEEP or deputy is not KEEP:
                raise Denied("af_and_deputy", name=person.name)
            wanted["is_deputy"] = False  # made AF: no longer their own deputy
        before_af = self.core.acting_af(call)
        changes = {person: org_repo.set_roles(call.session, person=person, **wanted)}
        if wanted["is_af"]:
            for other in org_repo.previous_afs(call.session, org_id=call.org.id, keep=person):
                changes[other] = org_repo.set_roles(call.session, person=other, is_af=False)
        for who, changed in changes.items():
            for key, (old, new) in changed.items():
                call.record(
                    "role_changed", case_id=None, detail={"person": who.id, "role": key, "from": old, "to_value": new}
                )
        if not any(changes.values()):
            return Reply(messages=[Message(self.texts("admin.nothing_changed", name=person.name))])
        self.core.people_changed(call)
        after_af = self.core.acting_af(call)
        for who, changed in changes.items():
            if changed:

                def roles_changed(who: Person = who) -> Message:  # written in their language (Call.dm)
                    words = wording.role_words(self.texts, who, acting_af=after_af)
                    return Message(self.texts("dms.roles_changed", by=call.person.name, roles=words))

                call.dm(who, roles_changed)
        reply = Reply(
            messages=[
                Message(
                    self.texts(
                        "admin.roles_set",
                        name=person.name,
                        roles=wording.role_words(self.texts, person, acting_af=after_af),
                    )
                )
            ]
        )
        if after_af is None:
            reply.messages.append(Message(self.texts("admin.no_af_now"), tone="urgent"))
            self.core.tell_admins(call, lambda: Message(self.texts("dms.no_af_now", by=call.person.name)))
        elif before_af is None or before_af.id != after_af.id:
            reply.messages.append(Message(self.texts("admin.af_now", af=after_af.name)))
        return reply

    @operation("write")
    def record_absence(self, call: Call, target: str, start: dt.date | None, end: dt.date | None) -> Reply:
        """The AF (for themselves) or an admin records an absence; during it the deputy acts as AF (B4)."""

        person = self._target(call, target or call.person.external_id)
        if person.id != call.person.id and not call.person.is_admin:
            raise Denied("not_admin")
        if not (person.is_af or person.is_deputy):
            raise Denied("absence_only_af", name=person.name)
        today = self.core.today(call.now)
        if start is None or end is None:
            raise Denied("absence_dates")
        if end < start:
            raise Denied("absence_order")
        if end < today:
            raise Denied("absence_past")
        absence = org_repo.add_absence(
            call.session,
            org_id=call.org.id,
            person_id=person.id,
            starts_on=start,
            ends_on=end,
            created_by_id=call.person.id,
        )
        call.record(
            "absence_recorded",
            case_id=None,
            detail={"person": person.id, "absence": absence.id, "start": start.isoformat(), "end": end.isoformat()},
        )
        when = {"start": self.texts.date(start), "end": self.texts.date(end)}
        reply = Reply(messages=[Message(self.texts("admin.absence_recorded", name=person.name, **when))])
        if not person.is_af:
            return reply
        taking_over = org_repo.acting_af(call.session, org_id=call.org.id, on=max(start, today))
        if taking_over is None:
            reply.messages.append(Message(self.texts("admin.no_deputy_then", **when), tone="urgent"))
            self.core.tell_admins(call, lambda: Message(self.texts("dms.no_af_period", name=person.name, **when)))
            return reply
        # The hand-over is logged and the deputy is told what comes to them.
        waiting = len(consultation_repo.waiting_consultations(call.session, org_id=call.org.id))
        call.record(
            "handover",
            case_id=None,
            detail={"person": person.id, "to": taking_over.id, "start": start.isoformat(), "end": end.isoformat()},
        )
        call.dm(taking_over, lambda: Message(self.texts("dms.handover", af=person.name, waiting=waiting, **when)))
        reply.messages.append(Message(self.texts("admin.handover", deputy=taking_over.name, **when)))
        return reply

    @operation("write")
    def cancel_absence(self, call: Call, absence_id: int) -> Reply:
        absence = org_repo.get_absence(call.session, org_id=call.org.id, absence_id=absence_id)
        if absence is None:
            raise Denied("unknown_absence")
        if absence.person_id != call.person.id and not call.person.is_admin:
            raise Denied("not_admin")
        person = org_repo.person_by_id(call.session, person_id=absence.person_id)
        name = person.name if person else "?"
        call.record(
            "absence_cancelled",
            case_id=None,
            detail={
                "person": absence.person_id,
                "start": absence.starts_on.isoformat(),
                "end": absence.ends_on.isoformat(),
            },
        )
        org_repo.remove_absence(call.session, absence=absence)
        return Reply(messages=[Message(self.texts("admin.absence_cancelled", name=name))])

    @operation("write")
    def welcome_all(self, call: Call) -> Reply:
        """C4: admins send the welcome again to everyone the organisation knows."""

        self._admin(call)
        af = self.core.acting_af(call)
        people = org_repo.list_people(call.session, org_id=call.org.id)
        for person in people:
            call.dm(person, lambda: wording.welcome_message(self.texts, af))
        return Reply(messages=[Message(self.texts("admin.welcome_sent", count=len(people)))])
