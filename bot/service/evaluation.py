"""The evaluation (C7) for the AF and the board: the figures of a period (text, table, CSV, chart) and the
yearly report as a document (HTML, PDF/A), in a file or through a one-time link, from anonymous counts only."""

from __future__ import annotations

import datetime as dt
import secrets

from bot import i18n
from bot.errors import Denied
from bot.messages import Message, Reply
from bot.service.call import Call, operation
from bot.service.documents import LINK_PATH, LINK_VALID, token_hash
from bot.service.part import Part
from storage import links as link_repo

REPORT_FORMATS = ("html", "pdf")
FIRST_YEAR = 2000


class Evaluation(Part):
    def _allowed(self, call: Call) -> None:
        """The figures are for the board, the AF and the deputies (and whoever acts as AF today)."""
        af = self.core.acting_af(call)
        if not (call.person.is_board or call.person.is_af or call.person.is_deputy or (af and af.id == call.person.id)):
            raise Denied("not_af_or_board")

    @operation("search")
    def stats(self, call: Call, start: dt.date, end: dt.date, fmt: str = "text") -> Reply:
        """C7: anonymous figures for the AF and the board (the board sees nothing else)."""
        from bot import stats as stats_mod

        self._allowed(call)
        figures = stats_mod.compute(
            call.session, org_id=call.org.id, flows=self.flows, start=start, end=end, now=call.now, texts=self.texts
        )
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
        return Reply(messages=[Message(body, table=stats_mod.as_table(figures))])

    def send_chart(self, actor: str) -> Reply:
        """C7 in Slack: this year's chart as a PNG in the asker's own DM (anonymous figures only)."""
        today = self.core.today(self.core.clock())
        reply = self.stats(actor, today.replace(month=1, day=1), today, fmt="png")
        if not reply.ok:
            return reply
        self.core.chat.send_dm(org_key=self.core.org.key, person_id=actor, message=reply.messages[0])
        return Reply(messages=[Message(self.texts("stats.chart_sent"))])

    def _year(self, call: Call, year: int) -> int:
        this = self.core.today(call.now).year
        if not isinstance(year, int) or not FIRST_YEAR <= year <= this:
            raise Denied("report_year", last=this)
        return year

    @operation("export", action="report")
    def report(self, call: Call, year: int, fmt: str = "pdf") -> Reply:
        """The yearly evaluation report (C7): `year` against the years before it, as HTML or PDF/A."""
        self._allowed(call)
        year = self._year(call, year)
        if fmt not in REPORT_FORMATS:
            raise Denied("report_format")
        from bot.reports import report_html

        html = report_html(
            call.session,
            org_id=call.org.id,
            org=self.core.org.name,
            flows=self.flows,
            year=year,
            now=call.now,
            tz=self.core.tz,
            texts=self.texts,
            language=i18n.current(),
        )
        if fmt == "html":
            return Reply(messages=[Message(html, tone="private")])
        from bot.pdf import pdf_a

        name = f"meldcode-jaarevaluatie-{year}.pdf"
        text = self.texts("evaluation.pdf_ready", year=year)
        return Reply(messages=[Message(text, tone="private", file=(name, pdf_a(html)))])

    @operation("search", action="report_link")
    def report_link(self, call: Call, year: int | None = None) -> Reply:
        """One-time links to the yearly report (PDF/A) for this person, as the dossier's (LINK_VALID, once):
        for `year`, or (None) for last year and this year so far, a message each."""
        self._allowed(call)
        this = self.core.today(call.now).year
        years = [self._year(call, year)] if year is not None else [this - 1, this]
        minutes = int(LINK_VALID.total_seconds() // 60)
        messages = []
        for number in years:
            token = secrets.token_urlsafe(24)
            link_repo.mint(
                call.session,
                org_id=call.org.id,
                person_id=call.person.id,
                token_hash=token_hash(token),
                fmt="report",
                year=number,
                now=call.now,
                valid=LINK_VALID,
            )
            text = self.texts("evaluation.link", year=number, minutes=minutes, so_far=number == this)
            messages.append(Message(text, tone="private", link=f"{LINK_PATH}{token}"))
        return Reply(messages=messages)
