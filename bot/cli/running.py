"""The commands that run the bot or work with its cases: console, serve, reminders, export, purge, stats,
report."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys

from bot.cli.common import _chat_for, _org_config
from bot.settings import Settings


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console.chat import ConsoleChat
    from bot.console.loop import Console
    from bot.console.session import ConsoleClock
    from bot.jobs.reminders import ReminderSender
    from bot.service import utcnow
    from bot.startup import build_service

    def write(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    chat = ConsoleChat(write=write)
    clock = ConsoleClock(utcnow)
    # The console creates (and migrates) its embedded SQLite; a server database is the operator's (`db upgrade`).
    service = build_service(settings, chat, clock=clock, create=settings.embedded_database)
    chat.texts = service.texts
    console = Console(
        service,
        chat,
        persona=args.as_person,
        sender=ReminderSender(service),
        clock=clock,
        export_dir=settings.data_dir / "exports",
    )
    where = settings.database_url if not settings.embedded_database else settings.database_url.split("///")[-1]
    console.say(service.texts("console.database", where=where))
    return console.run()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    shared_metrics = bool(settings.metrics_token) and not settings.slack_app_token and args.workers > 1
    if shared_metrics:
        # Several workers: prometheus-client sums their counters through files in a private folder, which it
        # must know of before it is first imported (bot.metrics is imported by the server, below).
        import os
        import tempfile

        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="meldcode-metrics-")
    from bot.startup import open_store

    log = logging.getLogger("meldcode")
    missing = settings.missing_for_slack()
    if missing:
        log.error("cannot serve Slack: set %s (see README, 'Running it in Slack')", ", ".join(missing))
        return 2
    open_store(settings).dispose()  # refuse a missing, unmigrated or newer database (only `db upgrade` makes one)
    if args.socket_mode and not settings.slack_app_token:
        log.error("--socket-mode needs SLACK_APP_TOKEN, an app-level token with connections:write (xapp-…)")
        return 2
    if settings.slack_app_token:
        from bot.slack.server import serve_socket_mode

        log.warning("serving Slack in Socket Mode")
        serve_socket_mode(settings, host=args.host, port=args.port)
    else:
        from bot.slack import server as server_module
        from bot.slack.server import serve_http

        server_module.MULTIPROCESS[0] = shared_metrics
        log.warning("serving Slack over HTTP on %s:%s at /slack/events", args.host, args.port)
        serve_http(settings, host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def _reminders(args: argparse.Namespace, settings: Settings) -> int:
    from bot.config import load_config
    from bot.startup import open_store
    from bot.texts import Texts
    from storage import cases as case_repo
    from storage import organisations as org_repo
    from storage import reminders as reminder_repo

    store = open_store(settings)
    if args.reminders_command == "send":
        from bot.jobs.reminders import ReminderSender
        from bot.tenants import Tenants

        chat = _chat_for(settings)
        now = dt.datetime.fromisoformat(args.now) if args.now else None
        if now is not None and now.tzinfo is None:
            print("--now needs a timezone, e.g. 2026-03-03T09:00+01:00", file=sys.stderr)
            return 2
        from flows.loader import load_all

        tenants = Tenants(
            store=store,
            flows=load_all(),
            chat=chat,
            entry_point="cli",
            single=None if settings.oauth else load_config(settings.config_path),
        )
        from bot.service.outbox import deliver_stale

        for service in tenants.all():  # hosted: every installed workspace, each in its own office hours
            report = ReminderSender(service).run_once(now)
            late = deliver_stale(service, now)  # DMs whose writer died before posting them
            print(
                f"{service.org.name}: sent {report.sent}, retried {report.retried}, failed {report.failed}"
                + (" (outside office hours: nothing sent)" if report.closed_hours else "")
                + (f"; {late} delayed DM(s) delivered" if late else "")
            )
        if hasattr(chat, "flush"):
            chat.flush()
        return 0
    config = _org_config(settings, args, store)
    texts = Texts(config.timezone)
    with store.transaction() as session:
        org = org_repo.get_organisation(session, key=config.key)
        case = case_repo.get_case(session, org_id=org.id, code=args.case) if (org and args.case) else None
        if args.case and case is None:
            print(f"no case {args.case}", file=sys.stderr)
            return 1
        rows = reminder_repo.listing(session, org_id=org.id if org else -1, case_id=case.id if case else None)
        names: dict[int | None, str] = (
            {p.id: p.name for p in org_repo.list_people(session, org_id=org.id)} if org else {}
        )
        print(f"{'due':<22}{'kind':<6}{'case':<15}{'for':<28}{'status':<10}attempts")
        for r in rows:
            who = names.get(r.recipient_id, "") if r.recipient_role == "staff" else texts(f"roles.{r.recipient_role}")
            print(
                f"{texts.datetime(r.due_at):<22}{r.kind:<6}{case_repo.code_of(session, case_id=r.case_id):<15}"
                f"{who[:27]:<28}{r.status:<10}{r.attempts}"
            )
        print(f"{len(rows)} reminder(s)")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from bot.console.chat import ConsoleChat
    from bot.console.files import write_private
    from bot.startup import build_service

    service = build_service(settings, ConsoleChat(write=print), entry_point="cli", config=_org_config(settings, args))
    person = service.find_person(args.as_person) or args.as_person
    reply = service.export(person, args.case.upper(), args.format)
    if not reply.ok:
        # The refusal in words ("Geen toegang", "Ik ken geen zaak …"): it holds no case content.
        print(reply.text(), file=sys.stderr)
        return 1
    from bot.terminal import printable

    # The dossier is this command's output, asked for by the person named and audited as their export; it goes
    # to stdout or an owner-only file, never to a log (logging writes to stderr, with ids and types only).
    document = reply.messages[0].file
    if document is not None:  # a PDF: to a file only (a terminal is no place for it)
        print(f"written to {write_private(Path(args.out or document[0]), document[1])} (owner-only)")
        return 0
    text = printable(reply.messages[0].text)  # a terminal shows control characters, never obeys them
    if args.out:
        print(f"written to {write_private(Path(args.out), text)} (owner-only)")  # the path only
    else:
        print(text)
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console.chat import ConsoleChat
    from bot.jobs.retention import expired_cases, purge_expired
    from bot.startup import build_service

    service = build_service(settings, ConsoleChat(write=print), entry_point="cli", config=_org_config(settings, args))
    now = dt.datetime.fromisoformat(args.now) if args.now else None
    items = expired_cases(service, now)
    for item in items:
        print(
            f"{item.code}  {item.outcome:<28} "
            f"{'closed ' + service.texts.date(item.closed_at) if item.closed_at else 'still open'}  "
            f"retention ended {service.texts.date(item.until)}"
        )
    if args.dry_run:
        print(f"{len(items)} case(s) would be purged (dry run: nothing changed)")
        return 0
    print(f"purged {purge_expired(service, now)} case(s); anonymous counts kept")
    return 0


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot import stats as stats_mod
    from bot.startup import open_store
    from bot.texts import Texts
    from flows.answers import parse_date
    from flows.loader import load_all
    from storage import organisations as org_repo

    store = open_store(settings)
    config = _org_config(settings, args, store)
    start, end = parse_date(args.start), parse_date(args.end)
    with store.transaction() as session:
        org = org_repo.get_organisation(session, key=config.key)
        if org is None:
            print("no data for this organisation yet", file=sys.stderr)
            return 1
        figures = stats_mod.compute(
            session,
            org_id=org.id,
            flows=load_all(flow_id=config.flow_id),
            start=start,
            end=end,
            now=dt.datetime.now(dt.UTC),
        )
    texts = Texts(config.timezone)
    if args.chart:
        from pathlib import Path

        from bot.charts import chart

        chart(figures, Path(args.chart), texts("stats.chart_title", start=texts.date(start), end=texts.date(end)))
        print(f"chart written to {args.chart}", file=sys.stderr)
    print(
        stats_mod.as_csv(figures)
        if args.csv
        else stats_mod.as_text(figures, texts("stats.title", start=texts.date(start), end=texts.date(end))),
        end="" if args.csv else "\n",
    )
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from bot import i18n
    from bot.console.files import write_private
    from bot.reports import report_html
    from bot.startup import open_store
    from bot.texts import Texts
    from flows.loader import load_all
    from storage import organisations as org_repo

    out = Path(args.out)
    if out.suffix.lower() not in (".pdf", ".html"):
        print(f"--out must end in .pdf or .html, not {out.name!r}", file=sys.stderr)
        return 2
    now = dt.datetime.now(dt.UTC)
    store = open_store(settings)
    config = _org_config(settings, args, store)
    tz = ZoneInfo(config.timezone)
    if not 2000 <= args.year <= now.astimezone(tz).year:
        print(f"--year must be from 2000 to {now.astimezone(tz).year}", file=sys.stderr)
        return 2
    with store.transaction() as session:
        org = org_repo.get_organisation(session, key=config.key)
        if org is None:
            print("no data for this organisation yet", file=sys.stderr)
            return 1
        html = report_html(
            session,
            org_id=org.id,
            org=config.name,
            flows=load_all(flow_id=config.flow_id),
            year=args.year,
            now=now,
            tz=tz,
            texts=Texts(config.timezone),
            language=i18n.current(),
        )
    if out.suffix.lower() == ".pdf":
        from bot.pdf import pdf_a

        write_private(out, pdf_a(html))
    else:
        write_private(out, html)
    print(f"written to {out} (owner-only; anonymous counts, under 5 shown as <5)")
    return 0
