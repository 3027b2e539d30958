"""The `meldcode` command: console, db upgrade, check."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from collections.abc import Callable

from bot.errors import StartupError
from bot.settings import Settings

DESCRIPTION = """meldcode-bot: guides SWV Kindkracht staff through the meldcode huiselijk geweld en
kindermishandeling. Settings come from the environment: DATABASE_URL (default: SQLite in
MELDCODE_DATA_DIR, ./data), MELDCODE_CONFIG (the organisation's people and roles; default: a demo
organisation), MELDCODE_KEYS or MELDCODE_KEY_FILE (encryption keys), MELDCODE_LOG_LEVEL."""


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_service
    from bot.console import Console, ConsoleChat, ConsoleClock
    from bot.reminders import ReminderSender
    from bot.service import utcnow

    chat = ConsoleChat(write=lambda text: (sys.stdout.write(text + "\n"), sys.stdout.flush()))
    clock = ConsoleClock(utcnow)
    service = build_service(settings, chat, clock=clock)
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
    from bot.app import open_store

    log = logging.getLogger("meldcode")
    missing = settings.missing_for_slack()
    if missing:
        log.error("cannot serve Slack: set %s (see README, 'Running it in Slack')", ", ".join(missing))
        return 2
    open_store(settings).dispose()  # migrate the embedded SQLite, or refuse an outdated server schema
    if settings.slack_app_token:
        from bot.slack.server import serve_socket_mode

        log.warning("serving Slack in Socket Mode")
        serve_socket_mode(settings)
    else:
        from bot.slack.server import serve_http

        log.warning("serving Slack over HTTP on %s:%s at /slack/events", args.host, args.port)
        serve_http(settings, host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def _reminders(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_store
    from bot.config import load_config
    from bot.texts import Texts
    from storage import cases as case_repo
    from storage import organisations as org_repo
    from storage import reminders as reminder_repo

    store = open_store(settings)
    if args.reminders_command == "send":
        from bot.reminders import ReminderSender
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
        names = {p.id: p.name for p in org_repo.list_people(session, org_id=org.id)} if org else {}
        print(f"{'due':<22}{'kind':<6}{'case':<15}{'for':<28}{'status':<10}attempts")
        for r in rows:
            who = names.get(r.recipient_id, "") if r.recipient_role == "staff" else texts(f"roles.{r.recipient_role}")
            print(
                f"{texts.datetime(r.due_at):<22}{r.kind:<6}{case_repo.code_of(session, case_id=r.case_id):<15}"
                f"{who[:27]:<28}{r.status:<10}{r.attempts}"
            )
        print(f"{len(rows)} reminder(s)")
    return 0


def _org_config(settings: Settings, args: argparse.Namespace, store=None):
    """The organisation a command is about: the config file's, or (hosted, OAuth) the workspace `--org`."""
    from bot.config import hosted_config, load_config

    if not settings.oauth:
        return load_config(settings.config_path)
    from bot.app import open_store
    from storage import organisations as org_repo

    store = store or open_store(settings)
    with store.transaction() as session:
        org = org_repo.get_organisation(session, key=args.org or "")
        if org is None:
            print(
                "hosted for many workspaces: name the organisation with --org TEAM_ID "
                "(the Slack team id of an installed workspace)",
                file=sys.stderr,
            )
            raise SystemExit(2)
        return hosted_config(
            key=org.key, name=org.name, timezone=org.timezone, flow_id=org.flow_id, settings_yaml=org.settings_yaml
        )


def _chat_for(settings: Settings):
    """Slack when a bot token is set (or, hosted, each workspace's own); otherwise DMs are printed."""
    if settings.oauth:
        from bot.app import open_store
        from bot.slack.app import web_client
        from bot.slack.chat import SlackChat
        from bot.slack.oauth import installations
        from bot.slack.workspaces import WorkspaceClients

        return SlackChat(
            web_client(settings),
            clients=WorkspaceClients(
                installations(settings, open_store(settings)),
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret,
                make_client=lambda token: web_client(settings, token),
            ),
        )
    if settings.slack_bot_token:
        from bot.slack.app import web_client
        from bot.slack.chat import SlackChat

        return SlackChat(web_client(settings))
    from bot.console import ConsoleChat

    return ConsoleChat(write=print)


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_store
    from storage.db import Store, current_revision, head_revision

    probe = Store.from_url(settings.database_url)
    try:
        before = current_revision(probe.engine)
    finally:
        probe.dispose()
    store = open_store(settings, create=True)  # the keys are checked against the database before any migration
    after, head = current_revision(store.engine), head_revision(store.engine)
    store.dispose()
    if before is None:
        print(f"created the database schema in {settings.database_label} (revision {after})")
    elif before != after:
        print(f"migrated {settings.database_label} from revision {before} to {after}")
    else:
        print(f"database schema is up to date (revision {head})")
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from bot.app import build_service
    from bot.console import ConsoleChat, write_private

    service = build_service(settings, ConsoleChat(write=print), entry_point="cli", config=_org_config(settings, args))
    person = service.find_person(args.as_person) or args.as_person
    reply = service.export(person, args.case.upper(), args.format)
    if not reply.ok:
        print(reply.text(), file=sys.stderr)
        return 1
    from bot.terminal import printable

    text = printable(reply.messages[0].text)  # a terminal shows control characters, never obeys them
    if args.out:
        print(f"written to {write_private(Path(args.out), text)} (owner-only)")
    else:
        print(text)
    return 0


def _purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import build_service
    from bot.console import ConsoleChat
    from bot.retention import expired_cases, purge_expired

    service = build_service(settings, ConsoleChat(write=print), entry_point="cli", config=_org_config(settings, args))
    now = dt.datetime.fromisoformat(args.now) if args.now else None
    items = expired_cases(service, now)
    for item in items:
        print(
            f"{item.code}  {item.outcome:<28} closed {service.texts.date(item.closed_at)}  "
            f"retention ended {service.texts.date(item.until)}"
        )
    if args.dry_run:
        print(f"{len(items)} case(s) would be purged (dry run: nothing changed)")
        return 0
    print(f"purged {purge_expired(service, now)} case(s); anonymous counts kept")
    return 0


def _stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot import stats as stats_mod
    from bot.app import open_store
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


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from bot.app import open_store
    from storage import audit as audit_repo
    from storage import crypto
    from storage.witness import WitnessFileError, read

    store = open_store(settings, check_audit_key=False)  # a wrong audit key is verify's verdict to give
    if args.audit_command == "witness":
        written = store.witness_heads()
        print(
            f"{written} chain head(s) witnessed"
            + (
                f" in {settings.audit_witness}"
                if settings.audit_witness
                else " (in the log; set MELDCODE_AUDIT_WITNESS for a file)"
            )
        )
        return 0
    source = Path(args.witness) if args.witness else settings.audit_witness
    witnesses = []
    if source is not None and (args.witness or source.exists()):
        try:
            witnesses = read(source)
        except WitnessFileError as exc:
            print(f"cannot use the witness: {exc}", file=sys.stderr)
            return 2
    with store.transaction() as session:
        verdict = audit_repo.verify(session, key=crypto.active().audit_key, witnesses=witnesses)
    against = f"; {verdict.witnessed} of {len(witnesses)} witness line(s) from {source} matched" if witnesses else ""
    if verdict.ok:
        print(f"audit trail intact: {verdict.checked} entries in {verdict.chains} organisation chain(s){against}")
        return 0
    if verdict.key_mismatch:
        print(
            f"audit key MISMATCH: {verdict.reason}. Use the key file that belongs to this database, then verify again."
        )
        return 3
    where = f"entry {verdict.first_broken}" if verdict.first_broken else "its end"
    print(f"audit trail BROKEN at {where}: {verdict.reason} ({verdict.checked} entries before it are intact)")
    return 1


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import open_store
    from storage import crypto
    from storage.crypto import KeyRing, append_key

    if args.keys_command == "new":
        print(KeyRing.new_entry(args.id))
        return 0
    store = open_store(settings)
    ring = crypto.active()
    if settings.encryption_keys:
        print(
            "keys come from MELDCODE_KEYS: the last entry is current; add one made with `meldcode keys new`"
            " at the end before rotating. Re-encrypting to the current key."
        )
    else:
        ring = append_key(settings.key_file)
        crypto.use(ring)
    changed = store.reseal(ring)
    print(
        f"re-encrypted {changed} value(s) with key {ring.current}; older keys can be removed once no "
        f"backup made before now needs reading"
    )
    return 0


def _flow(args: argparse.Namespace, settings: Settings) -> int:
    """Show, or (hosted) set, the meldcode variant an organisation follows: a folder in flows/definitions."""
    from bot.app import open_store
    from flows.loader import FlowDefinitionError, load_all
    from flows.translate import load_translations
    from storage import organisations as org_repo

    store = open_store(settings)
    config = _org_config(settings, args, store)
    with store.transaction() as session:
        org = org_repo.get_organisation(session, key=config.key)
        if org is None:
            print("no data for this organisation yet", file=sys.stderr)
            return 1
        if not args.variant:
            print(org.flow_id)
            return 0
        if not settings.oauth:
            print("one organisation: set organisation.flow in its config file", file=sys.stderr)
            return 2
        try:
            load_translations(load_all(flow_id=args.variant), flow_id=args.variant)
        except FlowDefinitionError as exc:
            print(f"not a usable flow: {exc}", file=sys.stderr)
            return 1
        other = org_repo.flow_ids_in_use(session, org_id=org.id) - {args.variant}
        if other:
            print(
                f"cases of this organisation follow {', '.join(sorted(other))}; a case keeps its flow, so "
                "the variant can change only before the first case (or after the last is purged)",
                file=sys.stderr,
            )
            return 1
        org_repo.set_flow(session, org=org, flow_id=args.variant)
    print(f"{config.name} follows {args.variant} from now on (restart the replicas to pick it up)")
    return 0


def _settings(args: argparse.Namespace, settings: Settings) -> int:
    """Show, or (hosted) set from a YAML file, an organisation's settings (office hours, retention, ...)."""
    from bot.app import open_store
    from bot.config import ConfigError, hosted_config
    from storage import organisations as org_repo

    store = open_store(settings)
    config = _org_config(settings, args, store)
    if not args.file:
        print(
            f"office_hours: {config.office_hours[0]:%H:%M}-{config.office_hours[1]:%H:%M}; retention_months: "
            f"{config.retention_months}; training_every_months: {config.training_every_months}; "
            f"evaluation_month: {config.evaluation_month}"
        )
        return 0
    if not settings.oauth:
        print("one organisation: its settings are in its config file (MELDCODE_CONFIG)", file=sys.stderr)
        return 2
    from pathlib import Path

    text = Path(args.file).read_text(encoding="utf-8")
    try:
        hosted_config(
            key=config.key, name=config.name, timezone=config.timezone, flow_id=config.flow_id, settings_yaml=text
        )
    except (ConfigError, ValueError) as exc:
        print(f"settings not stored: {exc}", file=sys.stderr)
        return 1
    with store.transaction() as session:
        org_repo.set_settings(session, org=org_repo.get_organisation(session, key=config.key), settings_yaml=text)
    print(f"settings of {config.name} stored (restart the replicas to pick them up)")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    """What a running bot needs, each as ok or failed: flows, config, database, keys, Slack. Changes nothing."""
    results: list[tuple[str, bool, str]] = []

    def check(name: str, work: Callable[[], str]) -> None:
        try:
            results.append((name, True, work()))
        except Exception as exc:  # each check reports its own failure; none stops the others
            detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            results.append((name, False, detail))

    def flows() -> str:
        from bot.config import load_config
        from flows.loader import load_all
        from flows.translate import load_translations

        flow_id = "meldcode" if settings.oauth else _quiet_flow_id(load_config, settings)
        loaded = load_all(flow_id=flow_id)
        load_translations(loaded, flow_id=flow_id)  # every text in every language (strict)
        return "; ".join(
            f"{f.id} v{v}: {len(f.steps)} steps, {len(f.nodes)} questions, {len(f.outcomes)} outcomes"
            for v, f in sorted(loaded.items())
        )

    def config() -> str:
        from bot.config import ConfigError, load_config

        if settings.oauth:
            return "hosted for many workspaces: each organisation's settings are in the database"
        try:
            org = load_config(settings.config_path)
        except ConfigError as exc:
            raise RuntimeError(f"{exc.source}: {'; '.join(exc.errors)}") from None
        af = next(p.name for p in org.people if p.is_af)
        return (
            f"{org.name!r} ({'demo' if org.is_demo else org.source}): {len(org.people)} people; AF {af}; "
            f"deputies {', '.join(p.name for p in org.people if p.is_deputy)}; timezone {org.timezone}"
        )

    state: dict = {}

    def database() -> str:
        from storage.db import Store, current_revision, head_revision, sqlite_path

        path = sqlite_path(settings.database_url)
        if path is not None and not path.exists():
            raise RuntimeError(f"there is no database at {path} yet (the console or `meldcode db upgrade` makes it)")
        store = Store.from_url(settings.database_url)
        try:
            current, head = current_revision(store.engine), head_revision(store.engine)
        except Exception:
            store.dispose()
            raise
        state["store"] = store
        if current != head:
            raise RuntimeError(
                f"{settings.database_label} answers, but its schema is at revision {current}, not "
                f"{head}: run `meldcode db upgrade`"
            )
        return f"{settings.database_label} answers, schema at the latest revision ({head})"

    def keys() -> str:
        from bot.app import load_keys
        from storage import audit as audit_repo
        from storage import keycheck

        store = state.get("store")
        if store is None:
            raise RuntimeError("not checked: the database did not answer")
        if not settings.encryption_keys and not (settings.key_file and settings.key_file.exists()):
            raise RuntimeError(f"no key: neither MELDCODE_KEYS nor a key file at {settings.key_file}")
        ring = load_keys(settings, store)  # refuses keys that do not open the database's values
        report = keycheck.examine(store.engine, ring)
        with store.transaction() as session:
            audit = audit_repo.check_key(session, key=ring.audit_key, record=False)
        if audit == "mismatch":
            raise RuntimeError("the audit key does not match this database's audit trail")
        return (
            f"{len(ring.keys)} key(s), current {ring.current}; {report.checked} sampled value(s) opened; "
            f"the audit key matches{'' if audit == 'ok' else ' (no audit trail yet)'}"
        )

    def slack() -> str:
        from bot.slack.app import web_client

        tokens: list[tuple[str, str]] = []
        if settings.oauth:
            from bot.slack.oauth import installations
            from storage import organisations as org_repo

            store = state.get("store")
            if store is None:
                raise RuntimeError("not checked: the database did not answer")
            found = installations(settings, store)
            with store.transaction() as session:
                teams = [o.key for o in org_repo.installed_organisations(session)]
            for team in teams:
                bot = found.find_bot(enterprise_id=None, team_id=team)
                if bot is None or not bot.bot_token:
                    raise RuntimeError(f"workspace {team}: no bot token stored")
                tokens.append((team, bot.bot_token))
        elif settings.slack_bot_token:
            tokens.append(("SLACK_BOT_TOKEN", settings.slack_bot_token))
        else:
            return "not used (no SLACK_BOT_TOKEN, no SLACK_CLIENT_ID): the console only"
        from slack_sdk.errors import SlackApiError

        answered = []
        for name, token in tokens:
            try:
                result = web_client(settings, token).auth_test()
            except SlackApiError as exc:
                raise RuntimeError(f"{name}: Slack refused the token ({exc.response.get('error')})") from None
            answered.append(f"{name}: {result.get('team') or result.get('team_id')}")
        return f"auth.test through {settings.slack_api_url}: " + (", ".join(answered) or "no workspace installed")

    check("flow definitions", flows)
    check("organisation config", config)
    check("database", database)
    check("keys", keys)
    check("slack", slack)
    if state.get("store") is not None:
        state["store"].dispose()
    width = max(len(name) for name, _, _ in results)
    for name, ok, detail in results:
        print(f"{name:<{width}}  {'ok    ' if ok else 'FAILED'}  {detail}")
    failed = [name for name, ok, _ in results if not ok]
    print("ok" if not failed else f"NOT ok: {', '.join(failed)}")
    return 0 if not failed else 1


def _quiet_flow_id(load_config, settings: Settings) -> str:
    from bot.config import ConfigError

    try:
        return load_config(settings.config_path).flow_id
    except ConfigError:
        return "meldcode"  # the config check reports it


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meldcode", description=DESCRIPTION)
    parser.add_argument(
        "--org",
        metavar="TEAM_ID",
        help="hosted for many workspaces (OAuth): the organisation, by its "
        "Slack team id (export, purge, stats, reminders list)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    console = sub.add_parser(
        "console",
        help="run the bot in this terminal, playing every role "
        "(the embedded default: no Slack needed); input may be piped from a file",
    )
    console.add_argument(
        "--as",
        dest="as_person",
        metavar="PERSON",
        help="start as this person (id, name, or a role: af, plaatsvervanger, bestuur)",
    )
    console.set_defaults(func=_console)
    serve = sub.add_parser(
        "serve",
        help="run the bot in Slack: Socket Mode when SLACK_APP_TOKEN is set, "
        "otherwise HTTP (gunicorn) at /slack/events; needs SLACK_BOT_TOKEN and "
        "SLACK_SIGNING_SECRET",
    )
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (default 1)")
    serve.add_argument("--threads", type=int, default=16, help="threads per worker (default 16)")
    serve.set_defaults(func=_serve)
    reminders = sub.add_parser("reminders", help="the deadlines D1-D8: list what is scheduled, or send what is due")
    rem_sub = reminders.add_subparsers(dest="reminders_command", required=True, metavar="REMINDERS_COMMAND")
    listing = rem_sub.add_parser("list", help="what is scheduled, for whom and when (optionally for one case)")
    listing.add_argument("case", nargs="?", help="a case code, e.g. MC-2026-0001")
    send = rem_sub.add_parser("send", help="one sender pass now (what the scheduler does every minute)")
    send.add_argument("--now", help="pretend it is this moment (ISO 8601 with timezone), for trials")
    reminders.set_defaults(func=_reminders)
    export = sub.add_parser(
        "export", help="a case's dossier for the pupil file, as the given person (who must be on the case); audited"
    )
    export.add_argument("case", help="the case code, e.g. MC-2026-0001")
    export.add_argument("--as", dest="as_person", required=True, metavar="PERSON", help="who exports (id or name)")
    export.add_argument("--format", choices=("md", "html"), default="md", help="Markdown or printable HTML")
    export.add_argument("--out", help="write to this file (owner-only) instead of printing")
    export.set_defaults(func=_export)
    purge = sub.add_parser(
        "purge",
        help="delete closed cases whose retention ended (settings.retention_months), "
        "keeping anonymous counts; the bot also does this daily",
    )
    purge.add_argument("--dry-run", action="store_true", help="only show what would go")
    purge.add_argument("--now", help="pretend it is this moment (ISO 8601 with timezone), for trials")
    purge.set_defaults(func=_purge)
    stats = sub.add_parser(
        "stats", help="anonymous evaluation figures (C7) for cases opened in a period; counts under 5 are suppressed"
    )
    stats.add_argument("--from", dest="start", required=True, help="first day, e.g. 1-1-2026 or 2026-01-01")
    stats.add_argument("--to", dest="end", required=True, help="last day")
    stats.add_argument("--csv", action="store_true", help="CSV instead of text")
    stats.add_argument("--chart", metavar="FILE.png", help="also draw the figures as a PNG chart")
    stats.set_defaults(func=_stats)
    audit = sub.add_parser("audit", help="the audit trail of every read, write and refusal")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="AUDIT_COMMAND")
    verify = audit_sub.add_parser(
        "verify",
        help="check every organisation's hash chain; names the first broken "
        "entry (exit 1), or says the audit key is not this database's (exit 3)",
    )
    verify.add_argument(
        "--witness",
        metavar="FILE",
        help="witness lines to check the chains against (default: "
        "MELDCODE_AUDIT_WITNESS): finds removed or rewritten entries behind the last witness",
    )
    audit_sub.add_parser(
        "witness",
        help="write every organisation's chain head to the witness now (the bot does this every 100 entries and daily)",
    )
    audit.set_defaults(func=_audit)
    keys = sub.add_parser("keys", help="encryption keys for the case data (kept outside the database)")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="KEYS_COMMAND")
    keys_sub.add_parser(
        "rotate", help="make a new key current (in the key file) and re-encrypt every value with it, in one transaction"
    )
    new = keys_sub.add_parser("new", help="print a new key entry, for MELDCODE_KEYS")
    new.add_argument("id", nargs="?", help="the key's id ('audit' for the audit trail's key)")
    keys.set_defaults(func=_keys)
    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_sub.add_parser(
        "upgrade",
        help="create or migrate the schema to the latest version (run once per deployment, before starting the bot)",
    ).set_defaults(func=_db_upgrade)
    flow = sub.add_parser("flow", help="the meldcode variant an organisation follows (hosted: set it with --org)")
    flow.add_argument("variant", nargs="?", help="a flow id (a folder in flows/definitions) to follow from now on")
    flow.set_defaults(func=_flow)
    org_settings = sub.add_parser(
        "settings",
        help="an organisation's settings; hosted: store them from a YAML "
        "file with the keys of a config file's settings (--org)",
    )
    org_settings.add_argument("file", nargs="?", help="a YAML file: office_hours, retention_months, ...")
    org_settings.set_defaults(func=_settings)
    sub.add_parser(
        "check",
        help="check what a running bot needs: the flow definitions, the organisation config, "
        "the database (answers, latest migration), the keys (open its values and its audit trail), "
        "Slack (auth.test); each ok or FAILED, exit 1 if any failed",
    ).set_defaults(func=_check)
    return parser


def _fail(lines: list[str], code: int) -> int:
    """One line per problem, on stderr, no traceback: what an operator can fix."""
    for line in lines:
        print(f"meldcode: {' '.join(line.split())}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from bot.config import ConfigError
    from bot.settings import SettingsError
    from storage.db import DatabaseUnavailable

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        return _fail(exc.problems, 2)
    from bot.logs import configure

    configure(settings.log_level, settings.log_format)
    try:
        return args.func(args, settings)
    except ConfigError as exc:
        return _fail([f"MELDCODE_CONFIG: {exc.source}: {error}" for error in exc.errors], 2)
    except DatabaseUnavailable as exc:
        reason = str(exc.orig).strip().splitlines()[0][:200] if exc.orig else type(exc).__name__
        return _fail(
            [
                f"DATABASE_URL: the database {settings.database_label} does not answer ({reason}); check the "
                "address and that the server runs"
            ],
            2,
        )
    except StartupError as exc:  # e.g. keys that do not open the database, or a schema to migrate first
        return _fail([str(exc)], 1)


if __name__ == "__main__":
    sys.exit(main())
