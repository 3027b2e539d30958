"""The `meldcode` command: console, db upgrade, check."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import Settings

DESCRIPTION = """meldcode-bot: guides SWV Kindkracht staff through the meldcode huiselijk geweld en
kindermishandeling. Settings come from the environment: DATABASE_URL (default: SQLite in
MELDCODE_DATA_DIR, ./data), MELDCODE_CONFIG (the organisation's people and roles; default: a demo
organisation), MELDCODE_LOG_LEVEL."""


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import SchemaOutOfDate, build_service
    from bot.console import Console, ConsoleChat

    chat = ConsoleChat(write=lambda text: (sys.stdout.write(text + "\n"), sys.stdout.flush()))
    try:
        service = build_service(settings, chat)
    except SchemaOutOfDate as exc:
        logging.getLogger("meldcode").error("%s", exc)
        return 1
    chat.texts = service.texts
    console = Console(service, chat, persona=args.as_person)
    where = settings.database_url if not settings.embedded_database else settings.database_url.split("///")[-1]
    console.say(service.texts("console.database", where=where))
    return console.run()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import SchemaOutOfDate, open_store
    log = logging.getLogger("meldcode")
    missing = settings.missing_for_slack()
    if missing:
        log.error("cannot serve Slack: set %s (see README, 'Running it in Slack')", ", ".join(missing))
        return 2
    try:
        open_store(settings).dispose()  # migrate the embedded SQLite, or refuse an outdated server schema
    except SchemaOutOfDate as exc:
        log.error("%s", exc)
        return 1
    if settings.slack_app_token:
        from bot.slack.server import serve_socket_mode
        log.warning("serving Slack in Socket Mode")
        serve_socket_mode(settings)
    else:
        from bot.slack.server import serve_http
        log.warning("serving Slack over HTTP on %s:%s at /slack/events", args.host, args.port)
        serve_http(settings, host=args.host, port=args.port, workers=args.workers, threads=args.threads)
    return 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import Store
    store = Store.from_url(settings.database_url)
    store.upgrade()
    print("database schema is up to date")
    return 0


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.config import ConfigError, load_config
    from flows.loader import FlowDefinitionError, load_all
    ok = True
    try:
        flows = load_all()
        for version, flow in sorted(flows.items()):
            print(f"flow {flow.id} v{version}: {len(flow.steps)} steps, {len(flow.nodes)} questions, "
                  f"{len(flow.outcomes)} outcomes ({', '.join(flow.outcomes)})")
    except FlowDefinitionError as exc:
        ok = False
        print(f"flow definition invalid: {exc}", file=sys.stderr)
    try:
        config = load_config(settings.config_path)
        af = next(p.name for p in config.people if p.is_af)
        deputies = ", ".join(p.name for p in config.people if p.is_deputy)
        print(f"organisation {config.name!r} ({'demo' if config.is_demo else config.source}): "
              f"{len(config.people)} people; AF {af}; deputies {deputies}; timezone {config.timezone}")
    except ConfigError as exc:
        ok = False
        print(f"config invalid: {exc}", file=sys.stderr)
    print("ok" if ok else "NOT ok")
    return 0 if ok else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meldcode", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    console = sub.add_parser("console", help="run the bot in this terminal, playing every role "
                             "(the embedded default: no Slack needed); input may be piped from a file")
    console.add_argument("--as", dest="as_person", metavar="PERSON",
                         help="start as this person (id, name, or a role: af, plaatsvervanger, bestuur)")
    console.set_defaults(func=_console)
    serve = sub.add_parser("serve", help="run the bot in Slack: Socket Mode when SLACK_APP_TOKEN is set, "
                           "otherwise HTTP (gunicorn) at /slack/events; needs SLACK_BOT_TOKEN and "
                           "SLACK_SIGNING_SECRET")
    serve.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    serve.add_argument("--host", default="0.0.0.0", help="address to listen on (default 0.0.0.0)")
    serve.add_argument("--workers", type=int, default=1, help="gunicorn worker processes (default 1)")
    serve.add_argument("--threads", type=int, default=16, help="threads per worker (default 16)")
    serve.set_defaults(func=_serve)
    db = sub.add_parser("db", help="database administration")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="DB_COMMAND")
    db_sub.add_parser("upgrade", help="create or migrate the schema to the latest version "
                      "(run once per deployment, before starting the bot)").set_defaults(func=_db_upgrade)
    sub.add_parser("check", help="validate the organisation config and the flow definitions, print a "
                   "summary; exits non-zero when either is invalid").set_defaults(func=_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return args.func(args, settings)


if __name__ == "__main__":
    sys.exit(main())
