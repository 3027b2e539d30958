"""A case written out: its overview (the case view) and its dossier for the pupil file (Markdown, HTML)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from bot import i18n
from bot.errors import Denied
from bot.messages import Entry, Message, Overview, Reply
from bot.service.call import EVENTS, Attempt, Call, operation
from bot.service.part import Part
from bot.service.questions import form_labels, format_value
from flows.model import Flow
from storage import cases as case_repo
from storage import links as link_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from storage import signals as signal_repo
from storage.models import Case

FORMATS = ("md", "html", "pdf", "summary")  # summary: the melding summary (X4) alone, as plain text
LINK_VALID = dt.timedelta(minutes=10)
LINK_PATH = "/dossier/"  # the bot's HTTP server answers here (bot.slack.server); a chat prefixes its base
EVENTS["open_link"] = "export"  # a link refused is audited as a refused export (one used is the export itself)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Documents(Part):
    def __init__(self, core, evaluation):
        super().__init__(core)
        self.evaluation = evaluation  # a one-time link may open the yearly report (bot.service.evaluation)

    def render_case(self, call, case: Case) -> str:
        flow = self.flows[case.flow_version]
        state = self.core.state(call, case)
        people = {p.id: p.name for p in org_repo.list_people(call.session, org_id=call.org.id)}
        answers = self._answer_rows(call, case, flow)
        follow = signal_repo.follow_ups(call.session, case_id=case.id)
        node = flow.nodes.get(case.current_node) if case.current_node else None
        return self.texts.template(
            "case.j2",
            case=case,
            flow=flow,
            node=node,
            step=flow.steps[node.step] if node else None,
            outcome=flow.outcomes.get(case.outcome) if case.outcome else None,
            forms=form_labels(flow, state),
            signals=signal_repo.signals(call.session, case_id=case.id),
            follow_ups=follow,
            answers=answers,
            events=case_repo.timeline(call.session, case_id=case.id),
            people=people,
            reminders=reminder_repo.pending(call.session, case_id=case.id),
            event_text=lambda e: self._event_text(flow, e),
        )

    def overview(self, call, case: Case) -> Overview:
        """The case laid out (moment): its facts, the signals, each step's answers with their corrections beside
        them, the terms, and the timeline."""
        t, flow = self.texts, self.flows[case.flow_version]
        people = {p.id: p.name for p in org_repo.list_people(call.session, org_id=call.org.id)}
        node = flow.nodes.get(case.current_node) if case.current_node else None
        outcome = flow.outcomes.get(case.outcome) if case.outcome else None
        forms = form_labels(flow, self.core.state(call, case))
        facts = [
            (t("case_view.opened"), t("case_view.opened_value", name=case.owner.name, when=t.date(case.created_at)))
        ]
        if node is not None:
            facts.append((t("case_view.now"), f"{flow.steps[node.step].title}: {node.title}"))
        elif outcome is not None:
            facts.append((t("case_view.done"), outcome.title))
        facts.append((t("case_view.forms"), ", ".join(forms) or t("case_view.forms_none")))
        signals = signal_repo.signals(call.session, case_id=case.id)
        follow = signal_repo.follow_ups(call.session, case_id=case.id)
        sections: list[tuple[str, tuple[Entry, ...]]] = [
            (t("case_view.signals", count=len(signals)), tuple(self._signal_entry(s, follow, people) for s in signals))
        ]
        steps: dict[str, list[Entry]] = {}
        for a in self._answer_rows(call, case, flow):
            step = flow.steps[flow.nodes[a["node"]].step].title
            steps.setdefault(step, []).append(
                Entry(
                    a["title"],
                    t("case_view.by", name=a["by"], role=t(f"roles.{a['role']}"), when=t.datetime(a["at"])),
                    tuple(a["values"]),
                    tuple(
                        t(
                            "case_view.correction",
                            name=people.get(c.created_by_id or 0, ""),
                            when=t.datetime(c.created_at),
                            note=c.note,
                        )
                        for c in a["corrections"]
                    ),
                )
            )
        sections += [(step, tuple(entries)) for step, entries in steps.items()]
        terms = tuple(
            Entry(
                t(f"reminder_kinds.{r.kind}"),
                t(
                    "case_view.term_value",
                    when=t.datetime(r.due_at),
                    who=t(f"recipients.{r.recipient_role}", owner=case.owner.name),
                ),
            )
            for r in reminder_repo.pending(call.session, case_id=case.id)
        )
        if terms:
            sections.append((t("case_view.terms"), terms))
        timeline = tuple(
            t(
                "case_view.timeline_line",
                when=t.datetime(e.created_at),
                who=people.get(e.actor_id or 0) or t("events.automatic"),
                what=self._event_text(flow, e),
            )
            for e in case_repo.timeline(call.session, case_id=case.id)
        )
        heading = t("case_view.heading", code=case.code, status=t(f"status.{case.status}"), round=case.round)
        return Overview(heading, tuple(facts), tuple(sections), timeline)

    def _signal_entry(self, signal, follow_ups: dict[int, list], people: dict[int, str]) -> Entry:
        """S1.1-S1.3: a signal's kind, when, its source (X4: marked when from others), and what followed it."""
        t = self.texts
        kind = t(f"signal_kinds.{signal.kind}")
        if signal.disclosure:
            kind += " · " + t("signal_disclosure")
        follow = follow_ups.get(signal.id, [])
        if signal.kind == "hypothesis" and not follow:
            kind += " · " + t("case_view.open_hypothesis")
        facts = [(t("case_view.text"), signal.text)]
        if signal.observed_on:
            facts.append((t("case_view.observed"), t.date(signal.observed_on)))
        if signal.source:
            facts.append((t("case_view.source"), signal.source))
        if signal.diagnosed_by:
            facts.append((t("case_view.diagnosed"), signal.diagnosed_by))
        notes = tuple(
            t("case_view.follow_up", verdict=t(f"verdicts.{f.verdict}"), when=t.date(f.created_at), note=f.note)
            for f in follow
        )
        meta = t("case_view.recorded", name=people.get(signal.created_by_id, ""), when=t.datetime(signal.created_at))
        return Entry(kind, meta, tuple(facts), notes)

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
            kind = self.texts(f"signal_kinds.{event.detail['kind']}")
            if event.detail.get("disclosure"):
                kind += " · " + self.texts("signal_disclosure")
            return self.texts("events.signal_recorded", kind=kind)
        if event.kind == "followup_recorded":
            return self.texts("events.followup_recorded", verdict=self.texts(f"verdicts.{event.detail['verdict']}"))
        if event.kind in ("contact_recorded", "correction_recorded"):
            node = flow.nodes.get(event.node_id)
            return self.texts(f"events.{event.kind}", title=node.title if node else "")
        if event.kind == "reopened":
            return self.texts("events.reopened", round=event.detail.get("round", ""))
        if event.kind == "flow_version_adopted":
            return self.texts("events.flow_version_adopted", version=event.detail.get("to", ""))
        if event.kind == "help_plan_renewed":
            term = dt.date.fromisoformat(event.detail["term"])
            return self.texts("events.help_plan_renewed", term=self.texts.date(term))
        return self.texts(f"events.{event.kind}")

    @operation("export")
    def export(self, call: Call, code: str, fmt: str = "md") -> Reply:
        """The dossier for the pupil file: Markdown (plain text), HTML (printable: A4, the code and "vertrouwelijk"
        in every page's header, page numbers) or PDF/A made from that HTML; audited, returned to the asker only."""

        case, _roles = self.core.case(call, code)
        if fmt not in FORMATS:
            raise Denied("export_format")
        data = self._dossier_data(call, case)
        if fmt == "summary":
            if data["summary"] is None:
                raise Denied("no_summary_yet", code=case.code)
            return Reply(messages=[Message(data["summary"], tone="private", case_code=case.code)])
        if fmt == "md":
            return Reply(
                messages=[Message(self.texts.template("dossier.md.j2", **data), tone="private", case_code=case.code)]
            )
        html = self.texts.html("dossier.html.j2", language=i18n.current(), org=self.core.org.name, **data)
        if fmt == "html":
            return Reply(messages=[Message(html, tone="private", case_code=case.code)])
        from bot.pdf import pdf_a

        name = f"meldcode-dossier-{case.code}.pdf"  # the code only: no case text in a file name
        text = self.texts("dossier.pdf_ready", code=case.code)
        return Reply(messages=[Message(text, tone="private", case_code=case.code, file=(name, pdf_a(html)))])

    @operation("read")
    def dossier_link(self, call: Call, code: str, fmt: str = "html") -> Reply:
        """A one-time link to the dossier for this person on the case (dossier): a token of 192 random bits,
        stored hashed, valid LINK_VALID, opening the HTML or the PDF once; shown only in their own view."""
        case, _roles = self.core.case(call, code)
        if fmt not in ("html", "pdf"):
            raise Denied("export_format")
        token = secrets.token_urlsafe(24)
        link_repo.mint(
            call.session,
            org_id=call.org.id,
            case=case,
            person_id=call.person.id,
            token_hash=token_hash(token),
            fmt=fmt,
            now=call.now,
            valid=LINK_VALID,
        )
        minutes = int(LINK_VALID.total_seconds() // 60)
        text = self.texts(f"dossier.link_{fmt}", code=case.code, minutes=minutes)
        return Reply(messages=[Message(text, tone="private", case_code=case.code, link=f"{LINK_PATH}{token}")])

    def open_link(self, token: str) -> Reply:
        """A dossier link used: once, in time, by whoever holds it, as the export of the person it was minted
        for (their access checked again, audited as theirs). A second use, an expired or a forged token is
        refused and audited."""
        now = self.core.clock()
        with self.core.store.transaction() as session:
            claimed, why, _case_id = link_repo.claim(
                session, token_hash=token_hash(token if isinstance(token, str) else ""), now=now
            )
        if claimed is None:
            self.core.audit_apart(f"link:{why}", "open_link", "refused", Attempt(), reason=f"link_{why}")
            return Reply(
                messages=[Message(self.texts(f"dossier.link_refused_{why}"), tone="error")], ok=False, error=why
            )
        if claimed.fmt == "report" and claimed.year is not None:
            return self.evaluation.report(claimed.person, claimed.year, "pdf")
        assert claimed.code is not None
        return self.export(claimed.person, claimed.code, claimed.fmt)

    def _dossier_data(self, call, case: Case) -> dict:
        flow = self.flows[case.flow_version]
        state = self.core.state(call, case)
        people = {p.id: p.name for p in org_repo.list_people(call.session, org_id=call.org.id)}
        answers = self._answer_rows(call, case, flow)
        steps = [
            {"title": step.title, "answers": [a for a in answers if flow.nodes[a["node"]].step == sid]}
            for sid, step in flow.steps.items()
        ]
        follow = signal_repo.follow_ups(call.session, case_id=case.id)
        summary = None
        if "step5.prepare" in state.answers:
            from bot.service.effects import melding_summary_text

            summary = melding_summary_text(self.core, call, case, flow, state, "step5.prepare")
        return dict(
            case=case,
            outcome=flow.outcomes.get(case.outcome) if case.outcome else None,
            forms=form_labels(flow, state),
            signals=signal_repo.signals(call.session, case_id=case.id),
            follow_ups=follow,
            steps=[s for s in steps if s["answers"]],
            people=people,
            now=call.now,
            exporter=call.person.name,
            summary=summary,
            events=case_repo.timeline(call.session, case_id=case.id),
            event_text=lambda e: self._event_text(flow, e),
        )
