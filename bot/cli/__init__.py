"""The `meldcode` command: console, serve, db, check, and the operator's tools (see `meldcode --help`)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.backup import _backup, _restore
from bot.cli.check import _check
from bot.cli.operating import _audit, _db, _flow, _keys, _settings
from bot.cli.running import _console, _export, _purge, _reminders, _report, _serve, _stats
from bot.errors import StartupError
from bot.settings import Settings

DESCRIPTION = """meldcode-bot: guides SWV Kindkracht staff through the meldcode huiselijk geweld en
kindermishandeling. Settings come from the environment: DATABASE_URL (default: SQLite in
MELDCODE_DATA_DIR, ./data), MELDCODE_CONFIG (the organisation's people and roles; default: a demo
organisation), MELDCODE_KEYS or MELDCODE_KEY_FILE (encryption keys), MELDCODE_LOG_LEVEL."""


def version() -> str:
    """The installed release (pyproject.toml's version, as the wheel recorded it)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("meldcode-bot")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meldcode", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"meldcode {version()}")
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
    serve.add_argument(
        "--socket-mode",
        action="store_true",
        help="Socket Mode (also chosen by SLACK_APP_TOKEN alone): no public URL; --port then serves /healthz",
    )
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
    export.add_argument(
        "--format",
        choices=("md", "html", "pdf", "summary"),
        default="md",
        help="Markdown, printable HTML, PDF/A, or the melding summary for Veilig Thuis (X4) alone",
    )
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
    report = sub.add_parser(
        "report",
        help="the yearly evaluation report (C7) for the board: the year against the years before it, "
        "anonymous counts only (under 5 shown as <5)",
    )
    report.add_argument("--year", type=int, required=True, help="the report's year, e.g. 2026 (this year: so far)")
    report.add_argument("--out", required=True, metavar="FILE", help="write to this file (owner-only): .pdf or .html")
    report.set_defaults(func=_report)
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
    backup = sub.add_parser(
        "backup",
        help="a consistent copy of the database (while the bot runs) in an owner-only archive, with the key "
        "ids it needs and the audit heads; never the keys (keep the key file apart)",
    )
    backup.add_argument("file", help="the archive to write (it must not exist yet)")
    backup.set_defaults(func=_backup)
    restore = sub.add_parser(
        "restore",
        help="a backup into an empty database: refused when the keys at hand cannot open it; the audit trail "
        "verified, and a 'restored at entry N' witness line written",
    )
    restore.add_argument("file", help="an archive written by `meldcode backup`")
    restore.set_defaults(func=_restore)
    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_sub.add_parser(
        "upgrade",
        help="create or migrate the schema to the latest version (back up first; run once per deployment, "
        "before starting the bot)",
    ).set_defaults(func=_db)
    db_sub.add_parser("current", help="the database's schema revision, and whether it is this release's").set_defaults(
        func=_db
    )
    db_sub.add_parser("history", help="the migrations of this release, oldest first").set_defaults(func=_db)
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
