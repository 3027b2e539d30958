"""What people see: the current question, a case's overview and timeline, their lists, the explanation."""

from __future__ import annotations

import datetime as dt

from bot.errors import Denied
from bot.messages import Action, Button, Message, Reply
from bot.views import form_labels, format_value
from flows.model import Flow
from storage import audit as audit_repo
from storage import cases as case_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from storage.models import Case


def render_html(texts, code: str, markdown: str) -> str:
    """A printable page: the Markdown dossier, HTML-escaped line by line (no markup from typed text)."""
    import html

    parts = []
    for line in markdown.splitlines():
        esc = html.escape(line)
        if line.startswith("### "):
            parts.append(f"<h3>{esc[4:]}</h3>")
        elif line.startswith("## "):
            parts.append(f"<h2>{esc[3:]}</h2>")
        elif line.startswith("# "):
            parts.append(f"<h1>{esc[2:]}</h1>")
        elif line.strip():
            parts.append(f"<p>{esc}</p>")
    return texts.template("dossier.html.j2", case={"code": code}, body="\n".join(parts))


class CaseViews:
    def question(self, actor: str, code: str) -> Reply:
        def work(call) -> Reply:
            case, roles = self._case(call, code)
            if case.current_node is None:
                raise Denied("case_closed", code=case.code)
            q = self._question(call, case, roles)
            reply = Reply(question=q)
            if q is None and (waiting := self._waiting_message(call, case, roles)):
                reply.messages.append(waiting)
            return reply

        return self._run(actor, work, action="question")

    def show_case(self, actor: str, code: str) -> Reply:
        def work(call) -> Reply:
            case, roles = self._case(call, code)
            text = self._render_case(call, case)
            reply = Reply(
                messages=[Message(text, tone="private", case_code=case.code)],
                question=self._question(call, case, roles),
            )
            if reply.question is None and (waiting := self._waiting_message(call, case, roles)):
                reply.messages.append(waiting)
            return reply

        return self._run(actor, work, action="show_case")

    def _render_case(self, call, case: Case) -> str:
        flow = self.flows[case.flow_version]
        state = self.state(call, case)
        people = {p.id: p.name for p in org_repo.list_people(call.session, org_id=call.org.id)}
        answers = self._answer_rows(call, case, flow)
        follow = {}
        for f in case_repo.follow_ups(call.session, case_id=case.id):
            follow.setdefault(f.signal_id, []).append(f)
        node = flow.nodes.get(case.current_node) if case.current_node else None
        return self.texts.template(
            "case.j2",
            case=case,
            flow=flow,
            node=node,
            step=flow.steps[node.step] if node else None,
            outcome=flow.outcomes.get(case.outcome) if case.outcome else None,
            forms=form_labels(flow, state),
            signals=case_repo.signals(call.session, case_id=case.id),
            follow_ups=follow,
            answers=answers,
            events=case_repo.timeline(call.session, case_id=case.id),
            people=people,
            reminders=reminder_repo.pending(call.session, case_id=case.id),
            event_text=lambda e: self._event_text(flow, e),
        )

    def _answer_rows(self, call, case: Case, flow: Flow) -> list[dict]:
        """Every stored answer as a person reads it, with the corrections made to it."""
        everyone = org_repo.list_people(call.session, org_id=call.org.id)
        people = {p.id: p.name for p in everyone}
        by_external = {p.external_id: p.name for p in everyone}
        corrections: dict[int, list] = {}
        for c in case_repo.corrections(call.session, case_id=case.id):
            corrections.setdefault(c.answer_id, []).append(c)
        rows = []
        for a in case_repo.answers(call.session, case_id=case.id):
            node = flow.nodes.get(a.node_id)
            if node is None:
                continue
            rows.append(
                {
                    "id": a.id,
                    "node": node.id,
                    "title": node.title,
                    "by": people.get(a.actor_id, "?"),
                    "role": a.actor_role,
                    "at": a.created_at,
                    "corrections": corrections.get(a.id, []),
                    "values": [
                        (
                            next((f.label for f in node.fields if f.id == k), k),
                            format_value(self.texts, flow, node, k, v, by_external),
                        )
                        for k, v in a.values.items()
                    ],
                }
            )
        return rows

    def _event_text(self, flow: Flow, event) -> str:
        if event.kind == "answered":
            node = flow.nodes.get(event.node_id)
            return self.texts("events.answered", title=node.title if node else event.node_id)
        if event.kind == "closed":
            outcome = flow.outcomes.get(event.detail.get("outcome"))
            return self.texts("events.closed", title=outcome.title if outcome else "")
        if event.kind == "signal_recorded":
            return self.texts("events.signal_recorded", kind=self.texts(f"signal_kinds.{event.detail['kind']}"))
        if event.kind == "followup_recorded":
            return self.texts("events.followup_recorded", verdict=self.texts(f"verdicts.{event.detail['verdict']}"))
        if event.kind in ("contact_recorded", "correction_recorded"):
            node = flow.nodes.get(event.node_id)
            return self.texts(f"events.{event.kind}", title=node.title if node else "")
        if event.kind == "reopened":
            return self.texts("events.reopened", round=event.detail.get("round", ""))
        return self.texts(f"events.{event.kind}")

    def my_cases(self, actor: str) -> Reply:
        def work(call) -> Reply:
            messages = []
            mine = case_repo.cases_of_member(call.session, org_id=call.org.id, person_id=call.person.id)
            af = self.acting_af(call)
            if mine:
                messages.append(Message(self.texts("replies.your_cases")))
                messages += [self._case_line(call, c) for c in mine]
            if af is not None and af.id == call.person.id:
                waiting = case_repo.waiting_consultations(call.session, org_id=call.org.id)
                if waiting:
                    messages.append(Message(self.texts("replies.af_waiting")))
                    for w in waiting:
                        code = call.session.get(Case, w.case_id).code
                        messages.append(
                            Message(
                                self.texts(
                                    "replies.consultation_line",
                                    code=code,
                                    urgency=self.texts(f"urgency.{w.urgency}"),
                                    when=self.texts.datetime(w.requested_at),
                                ),
                                buttons=(Button(self.texts("buttons.take_up"), Action.TAKE_UP, code),),
                                case_code=code,
                            )
                        )
                overdue = reminder_repo.overdue(call.session, org_id=call.org.id, now=call.now)
                if overdue:
                    messages.append(Message(self.texts("replies.af_overdue")))
                    for r in overdue:
                        code = call.session.get(Case, r.case_id).code
                        messages.append(
                            Message(
                                self.texts(
                                    "replies.overdue_line",
                                    code=code,
                                    kind=self.texts(f"reminder_kinds.{r.kind}"),
                                    when=self.texts.datetime(r.due_at),
                                ),
                                buttons=self._open_button(code),
                                case_code=code,
                            )
                        )
                af_nodes = [n.id for f in self.flows.values() for n in f.nodes.values() if n.actor == "af"]
                deciding = case_repo.cases_at_nodes(call.session, org_id=call.org.id, nodes=set(af_nodes))
                if deciding:
                    messages.append(Message(self.texts("replies.af_decisions")))
                    messages += [self._case_line(call, c) for c in deciding]
            if not messages:
                messages.append(
                    Message(
                        self.texts("replies.no_cases"),
                        buttons=(Button(self.texts("buttons.new_case"), Action.NEW_CASE),),
                    )
                )
            return Reply(messages=messages)

        return self._run(actor, work, action="my_cases")

    def _case_line(self, call, case: Case) -> Message:
        flow = self.flows[case.flow_version]
        node = flow.nodes.get(case.current_node) if case.current_node else None
        step = flow.steps[node.step].title if node else flow.outcomes[case.outcome].title
        pending = reminder_repo.pending(call.session, case_id=case.id)
        return Message(
            self.texts(
                "replies.case_line",
                code=case.code,
                step=step,
                status=self.texts(f"status.{case.status}"),
                deadline=self.texts.datetime(pending[0].due_at) if pending else "",
            ),
            buttons=self._open_button(case.code),
            case_code=case.code,
        )

    def explain(self, step_id: str = "") -> Reply:
        """C2: the meldcode explained from the flow definition itself (one source of truth), step by step."""
        flow = self.latest
        ids = list(flow.steps)
        step_id = next((s for s in ids if s.lower() == step_id.strip().lower()), "")

        def button(target: str, key: str, **params) -> Button:
            return Button(self.texts(key, **params), Action.EXPLAIN, ref=target or "-")

        if not step_id:
            return Reply(
                messages=[
                    Message(
                        self.texts.template("explain.j2", flow=flow),
                        buttons=tuple(button(s, "explain.step_button", title=flow.steps[s].title) for s in ids),
                    )
                ]
            )
        step = flow.steps[step_id]
        nodes = [n for n in flow.nodes.values() if n.step == step_id]
        actors = list(dict.fromkeys(self.texts(f"explain.actor.{n.actor}") for n in nodes))
        reached = {r.to for n in nodes for r in n.next if flow.is_outcome(r.to)}
        outcomes = [o for o in flow.outcomes.values() if o.id in reached]
        text = self.texts.template(
            "explain_step.j2",
            step=step,
            actors=", ".join(actors),
            questions=[n.title for n in nodes],
            outcomes=outcomes,
        )
        at = ids.index(step_id)
        nav = (
            ([button(ids[at - 1], "explain.previous")] if at > 0 else [])
            + ([button(ids[at + 1], "explain.next")] if at + 1 < len(ids) else [])
            + [button("", "explain.overview")]
        )
        return Reply(messages=[Message(text, buttons=tuple(nav))])

    def find_person(self, word: str) -> str | None:
        """A person by id, name or role word: 'af' is whoever acts as AF today (the deputy during absence)."""
        word = word.strip().lower()
        if not word:
            return None
        with self.store.transaction() as session:
            org = org_repo.get_organisation(session, key=self.org.key)
            people = org_repo.list_people(session, org_id=org.id)
            if word in ("af", "aandachtsfunctionaris"):
                af = org_repo.acting_af(session, org_id=org.id, on=self.today(self.clock()))
                return af.external_id if af else None
            by_role = {
                "plaatsvervanger": "is_deputy",
                "deputy": "is_deputy",
                "bestuur": "is_board",
                "beheerder": "is_admin",
                "admin": "is_admin",
            }
            for p in people:
                if word in by_role and getattr(p, by_role[word]):
                    return p.external_id
                if word == p.external_id.lower() or p.name.lower().startswith(word):
                    return p.external_id
        return None

    def people(self) -> list[tuple[str, str, str]]:
        """(id, name, roles) of the organisation's people, for the console's role switch."""
        with self.store.transaction() as session:
            org = org_repo.get_organisation(session, key=self.org.key)
            today = self.today(self.clock())
            af = org_repo.acting_af(session, org_id=org.id, on=today)
            out = [
                (p.external_id, p.name, self.role_words(p, acting_af=af))
                for p in org_repo.list_people(session, org_id=org.id)
            ]
            return out

    def export(self, actor: str, code: str, fmt: str = "md") -> Reply:
        """The dossier for the pupil file (Markdown, or printable HTML); audited, returned only to the asker."""

        def work(call) -> Reply:
            case, _roles = self._case(call, code)
            markdown = self._dossier(call, case)
            body = markdown if fmt == "md" else render_html(self.texts, case.code, markdown)
            return Reply(messages=[Message(body, tone="private", case_code=case.code)])

        return self._run(actor, work, action="export", code=code)

    def _dossier(self, call, case: Case) -> str:
        flow = self.flows[case.flow_version]
        state = self.state(call, case)
        people = {p.id: p.name for p in org_repo.list_people(call.session, org_id=call.org.id)}
        answers = self._answer_rows(call, case, flow)
        steps = [
            {"title": step.title, "answers": [a for a in answers if flow.nodes[a["node"]].step == sid]}
            for sid, step in flow.steps.items()
        ]
        follow = {}
        for f in case_repo.follow_ups(call.session, case_id=case.id):
            follow.setdefault(f.signal_id, []).append(f)
        summary = None
        if "step5.prepare" in state.answers:
            from bot.effects import melding_summary_text

            summary = melding_summary_text(self, call, case, flow, state, "step5.prepare")
        return self.texts.template(
            "dossier.md.j2",
            case=case,
            outcome=flow.outcomes.get(case.outcome) if case.outcome else None,
            forms=form_labels(flow, state),
            signals=case_repo.signals(call.session, case_id=case.id),
            follow_ups=follow,
            steps=[s for s in steps if s["answers"]],
            people=people,
            now=call.now,
            exporter=call.person.name,
            summary=summary,
            events=case_repo.timeline(call.session, case_id=case.id),
            event_text=lambda e: self._event_text(flow, e),
        )

    def welcome(self, external_id: str) -> None:
        """C4: a new member of the workspace gets the meldcode, the AF and how to start, by DM."""
        with self.store.transaction() as session:
            org = org_repo.get_organisation(session, key=self.org.key)
            af = org_repo.acting_af(session, org_id=org.id, on=self.today(self.clock())) if org else None
        self.chat.send_dm(org_key=self.org.key, person_id=external_id, message=self.welcome_message(af))

    def welcome_message(self, af) -> Message:
        return Message(
            self.texts("dms.welcome", af=af.name if af else ""),
            buttons=(Button(self.texts("buttons.new_case"), Action.NEW_CASE),),
        )

    def home(self, actor: str) -> Reply:
        """What someone's App Home shows: their cases (and the AF's queue), or for the board this year's figures."""
        with self.store.transaction() as session:
            org = org_repo.get_organisation(session, key=self.org.key)
            person = org_repo.get_person(session, org_id=org.id, external_id=actor) if org else None
            board_only = person is not None and person.is_board and not person.staff_role
            buttons = self.admin_buttons(person) if person is not None else ()
            is_admin = person is not None and person.is_admin
        if board_only:
            today = self.today(self.clock())
            reply = self.stats(actor, today.replace(month=1, day=1), today)
        elif is_admin and not person.staff_role:
            reply = Reply()
        else:
            reply = self.my_cases(actor)
        if is_admin:
            reply.messages += self.people_overview(actor).messages
        if buttons:
            reply.messages.append(Message(self.texts("admin.home_title"), buttons=buttons))
        return reply

    def stats(self, actor: str, start: dt.date, end: dt.date, fmt: str = "text") -> Reply:
        """C7: anonymous figures for the AF and the board (the board sees nothing else)."""

        def work(call) -> Reply:
            from bot import stats as stats_mod

            figures = self._figures(call, start, end)
            if fmt == "csv":
                return Reply(messages=[Message(stats_mod.as_csv(figures))])
            title = self.texts("stats.title", start=self.texts.date(start), end=self.texts.date(end))
            body = stats_mod.as_text(figures, title)
            if fmt == "png":
                from bot.charts import chart_png

                name = f"meldcode-cijfers-{start.isoformat()}-{end.isoformat()}.png"
                png = chart_png(
                    figures, self.texts("stats.chart_title", start=self.texts.date(start), end=self.texts.date(end))
                )
                return Reply(messages=[Message(body, file=(name, png))])
            return Reply(messages=[Message(body)])

        return self._run(actor, work, action="stats")

    def _figures(self, call, start: dt.date, end: dt.date):
        from bot import stats as stats_mod

        af = self.acting_af(call)
        if not (call.person.is_board or call.person.is_af or call.person.is_deputy or (af and af.id == call.person.id)):
            raise Denied("not_af_or_board")
        return stats_mod.compute(
            call.session, org_id=call.org.id, flows=self.flows, start=start, end=end, now=call.now, texts=self.texts
        )

    def send_chart(self, actor: str) -> Reply:
        """C7 in Slack: this year's chart as a PNG in the asker's own DM (anonymous figures only)."""
        today = self.today(self.clock())
        reply = self.stats(actor, today.replace(month=1, day=1), today, fmt="png")
        if not reply.ok:
            return reply
        self.chat.send_dm(org_key=self.org.key, person_id=actor, message=reply.messages[0])
        return Reply(messages=[Message(self.texts("stats.chart_sent"))])

    def access_log(self, actor: str, code: str) -> Reply:
        """Who accessed this case: time, role, action (for the case's members and the AF)."""

        def work(call) -> Reply:
            case, _roles = self._case(call, code)
            people = {p.id: p.name for p in org_repo.list_people(call.session, org_id=call.org.id)}
            reasons = self.texts.raw("audit.reasons")
            lines = [
                self.texts(
                    "audit.line",
                    when=self.texts.datetime(e.at),
                    who=people.get(e.user_id, "?"),
                    role=self.texts(f"audit.roles.{e.role}"),
                    what=self.texts(f"audit.events.{e.event}"),
                    outcome=self.texts(f"audit.outcomes.{e.outcome}"),
                    reason=reasons.get(e.reason, reasons["other"]) if e.outcome == "refused" else "",
                )
                for e in audit_repo.for_case(call.session, case_id=case.id)
            ]
            return Reply(
                messages=[
                    Message(
                        self.texts("audit.title", code=case.code) + "\n" + "\n".join(lines),
                        tone="private",
                        case_code=case.code,
                    )
                ]
            )

        return self._run(actor, work, action="access_log", code=code)

    def open_cases_of(self, actor: str) -> list[tuple[str, str]] | None:
        """(code, step) of the open cases this person is on, e.g. to pick one for a new signal; None when the
        request is refused (an unknown person, a replay)."""
        try:
            with self._call(actor) as call:
                out = []
                for case in case_repo.cases_of_member(call.session, org_id=call.org.id, person_id=call.person.id):
                    if case.current_node:
                        flow = self.flows[case.flow_version]
                        out.append((case.code, flow.steps[flow.nodes[case.current_node].step].title))
                self._audit(
                    call.session,
                    call.now,
                    "open_cases_of",
                    outcome="ok",
                    org_id=call.org.id,
                    case=None,
                    person=call.person,
                    roles=set(),
                )
                return out
        except Denied as exc:
            self._audit_apart(actor if isinstance(actor, str) else "", "open_cases_of", "refused", reason=exc.key)
            return None
