"""Serve the Bolt app: HTTP under gunicorn (threads) at /slack/events, or Socket Mode with an app token."""
from __future__ import annotations

import json
import logging
from typing import Any, Callable

from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.settings import Settings

log = logging.getLogger(__name__)


def with_reminders(app, settings: Settings):
    from bot.scheduler import start_scheduler
    return start_scheduler(app.meldcode_tenants, interval_seconds=settings.reminder_interval_seconds)


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def make_wsgi(app, health: Callable[[], dict] = lambda: {"ok": True}) -> Callable:
    """The WSGI application: /slack/events for Bolt, /healthz for the load balancer."""
    slack = SlackRequestHandler(app, path="/slack/events")

    def reply(start_response: Callable, status: str, payload: dict) -> list[bytes]:
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def application(environ: dict[str, Any], start_response: Callable):
        if environ.get("PATH_INFO") == "/healthz":
            state = health()
            return reply(start_response, "200 OK" if state.get("ok") else "503 Service Unavailable", state)
        if environ.get("PATH_INFO") == "/slack/events" and \
                not _is_number(environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""):
            # Not a request Slack signed (its timestamp is a number): refused before Bolt parses anything.
            return reply(start_response, "401 Unauthorized", {"ok": False})
        try:
            return slack(environ, start_response)
        except Exception as exc:  # Bolt parses the body before checking the signature: junk must not 500
            log.warning("malformed request refused: %s", type(exc).__name__)
            return reply(start_response, "400 Bad Request", {"ok": False})

    return application


def wsgi_app(settings: Settings) -> Callable:
    from bot.slack.app import build_app
    app = build_app(settings)
    scheduler = with_reminders(app, settings)

    def health() -> dict:
        """For the load balancer: the database answers and the reminder scheduler runs."""
        database = app.meldcode_tenants.store.ping()
        return {"ok": database and scheduler.running, "database": database, "scheduler": scheduler.running}

    return make_wsgi(app, health=health)


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, Any]):
        self.settings, self.options = settings, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Callable:
        # Built in each worker after the fork, so no database connection crosses processes.
        return wsgi_app(self.settings)


def serve_http(settings: Settings, *, host: str, port: int, workers: int, threads: int) -> None:
    _Gunicorn(settings, {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread",
                         "threads": threads, "timeout": 30, "graceful_timeout": 10,
                         "accesslog": None, "loglevel": "warning"}).run()


def serve_socket_mode(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from bot.slack.app import build_app
    app = build_app(settings)
    with_reminders(app, settings)
    SocketModeHandler(app, settings.slack_app_token).start()
