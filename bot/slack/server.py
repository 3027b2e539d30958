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
    from bot.reminders import ReminderSender
    from bot.scheduler import start_scheduler
    return start_scheduler(ReminderSender(app.meldcode_service),
                           interval_seconds=settings.reminder_interval_seconds)


def wsgi_app(settings: Settings) -> Callable:
    from bot.slack.app import build_app
    app = build_app(settings)
    scheduler = with_reminders(app, settings)
    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable):
        if environ.get("PATH_INFO") == "/healthz":
            body = json.dumps({"ok": True, "scheduler": scheduler.running}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return slack(environ, start_response)

    return application


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
