"""Serve the Bolt app: HTTP under gunicorn (threads) at /slack/events, or Socket Mode with an app token."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot import metrics
from bot.settings import Settings
from bot.slack import dossier_links
from storage.db import current_arrival, deadline, request_arrived

log = logging.getLogger(__name__)


def with_reminders(app, settings: Settings):
    from bot.jobs.scheduler import start_scheduler

    return start_scheduler(app.meldcode_tenants, interval_seconds=settings.reminder_interval_seconds)


SLOW = 1.0  # seconds in the app after which a request is logged (by its time only)
# Slack waits 3 s for an ack. A request's transactions must be done by this many seconds after it arrived, or they
# are rolled back and the user told "busy, try again" (the modal kept with what was typed): the rest of the 3 s is
# for the reply itself, a views.open, and the way in and out.
ACK_BUDGET = 2.0


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def make_wsgi(
    app,
    health: Callable[[], dict] = lambda: {"ok": True},
    metrics_page: Callable[[], tuple[bytes, str]] | None = None,
    metrics_token: str | None = None,
    slack_events: bool = True,
) -> Callable:
    """The WSGI application: /slack/events for Bolt, /healthz for the load balancer, /metrics for a scraper
    that holds the token (only when one is set); each request counted by kind and outcome, with its time."""
    slack = SlackRequestHandler(app, path="/slack/events")
    return _counted(_routes(app, slack if slack_events else None, health, metrics_page, metrics_token))


def _counted(inner: Callable) -> Callable:
    def application(environ: dict[str, Any], start_response: Callable):
        arrived = current_arrival()
        started = time.monotonic()
        status: list[str] = ["500"]
        metrics.current_kind.set("other")

        def recording(code: str, headers, exc_info=None):
            status[0] = code
            return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

        try:
            return inner(environ, recording)
        finally:
            kind = metrics.current_kind.get()
            path = environ.get("PATH_INFO", "")
            kind = "health" if path == "/healthz" else "link" if dossier_links.is_link(path) else kind
            if path != "/metrics":
                metrics.REQUESTS.labels(kind, metrics.outcome_of(status[0])).inc()
                metrics.ACK_SECONDS.labels(kind).observe(time.monotonic() - (arrived or started))

    return application


def _routes(app, slack, health, metrics_page, metrics_token) -> Callable:

    def reply(start_response: Callable, status: str, payload: dict) -> list[bytes]:
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def application(environ: dict[str, Any], start_response: Callable):
        if environ.get("PATH_INFO") == "/healthz":
            state = health()
            return reply(start_response, "200 OK" if state.get("ok") else "503 Service Unavailable", state)
        if environ.get("PATH_INFO") == "/metrics" and metrics_page is not None and metrics_token:
            if not metrics.authorised(environ.get("HTTP_AUTHORIZATION"), metrics_token):
                return reply(start_response, "401 Unauthorized", {"ok": False})
            body, content_type = metrics_page()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
            return [body]
        port = getattr(app, "meldcode_port", None)
        if port is not None and dossier_links.is_link(environ.get("PATH_INFO", "")):
            return dossier_links.serve(port, environ, start_response)
        if slack is None:  # Socket Mode: Slack's requests come over the websocket, never here
            return reply(start_response, "404 Not Found", {"ok": False})
        if environ.get("PATH_INFO") == "/slack/events" and not _is_number(
            environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        ):
            # Not a request Slack signed (its timestamp is a number): refused before Bolt parses anything.
            return reply(start_response, "401 Unauthorized", {"ok": False})
        started = time.monotonic()
        arrived = current_arrival()
        try:
            with deadline(ACK_BUDGET):  # Bolt's middleware and listeners all run inside this call
                return slack(environ, start_response)
        except Exception as exc:  # Bolt parses the body before checking the signature: junk must not 500
            log.warning("malformed request refused: %s", type(exc).__name__)
            return reply(start_response, "400 Bad Request", {"ok": False})
        finally:
            took, waited = time.monotonic() - started, started - (arrived or started)
            if took + waited > SLOW:  # by its times only: never a payload
                log.warning(
                    "slow request: answered %.2f s after it arrived (%.2f s waiting for a thread)",
                    took + waited,
                    waited,
                )

    return application


def wsgi_app(settings: Settings) -> Callable:
    from bot.slack.app import build_app

    app = build_app(settings)
    scheduler = with_reminders(app, settings)

    def health() -> dict:
        """For the load balancer: the database answers and the reminder scheduler runs."""
        database = app.meldcode_tenants.store.ping()
        return {"ok": database and scheduler.running, "database": database, "scheduler": scheduler.running}

    return make_wsgi(app, health=health, metrics_page=metrics_page(app, settings), metrics_token=settings.metrics_token)


def metrics_page(app, settings: Settings, *, multiprocess: bool = False) -> Callable[[], tuple[bytes, str]]:
    """/metrics: the counters, and the outbox and witness state read at scrape time."""
    from storage import outbox as outbox_repo

    def outbox() -> tuple[int, Any]:
        with app.meldcode_tenants.store.transaction() as session:
            return outbox_repo.backlog(session)

    collector = metrics.StateCollector(outbox, settings.audit_witness)
    return lambda: metrics.exposition(collector, multiprocess=MULTIPROCESS[0] or multiprocess)


MULTIPROCESS = [False]  # set by serve_http when several workers share the counters


class TimedWorker(ThreadWorker):
    """gunicorn's threaded worker, noting when each request came in: under load a request can wait for a free
    thread, and Slack's 3 s count from its arrival, not from when a thread took it up (storage.db.deadline)."""

    def enqueue_req(self, conn) -> None:
        conn.meldcode_arrived = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        request_arrived(getattr(conn, "meldcode_arrived", None))
        return super().handle(conn)


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
    # The port is bound before the worker has loaded the app, and requests that arrive meanwhile wait in the
    # backlog: a replica coming back after a crash would keep them waiting for its imports (0.6 s, twice that on a
    # busy host). Imported here, before gunicorn binds, the workers fork with them in memory.
    import importlib

    for module in ("bot.slack.app", "bot.jobs.scheduler", "slack_bolt.adapter.wsgi"):
        importlib.import_module(module)
    import datetime as dt

    from flows.workdays import warm_up

    warm_up(dt.date.today())
    _Gunicorn(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "bot.slack.server.TimedWorker",
            "threads": threads,
            "timeout": 30,
            "graceful_timeout": 10,
            "accesslog": None,
            "loglevel": "warning",
        },
    ).run()


def serve_socket_mode(settings: Settings, *, host: str = "127.0.0.1", port: int | None = None) -> None:
    """Socket Mode: Slack's events come over a websocket the bot opens (no public URL). Beside it, on `port`,
    the bot's own small HTTP server answers /healthz (for the container or the service manager), /metrics
    (with its token) and the dossier's one-time links; /slack/events is not served there."""
    import threading
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.app import build_app

    class TimedHandler(SocketModeHandler):
        """Each request's transactions bounded as over HTTP (its arrival: when the handler took it up)."""

        def handle(self, client, req) -> None:
            request_arrived(None)
            metrics.current_kind.set(metrics.kind_of(req.payload))
            started = time.monotonic()
            try:
                with deadline(ACK_BUDGET):
                    super().handle(client, req)
            finally:
                kind = metrics.current_kind.get()
                metrics.REQUESTS.labels(kind, "ok").inc()
                metrics.ACK_SECONDS.labels(kind).observe(time.monotonic() - started)

    app = build_app(settings)
    scheduler = with_reminders(app, settings)
    handler = TimedHandler(app, settings.slack_app_token)

    def health() -> dict:
        database = app.meldcode_tenants.store.ping()
        connected = bool(handler.client.is_connected())
        ok = database and scheduler.running and connected
        return {"ok": ok, "database": database, "scheduler": scheduler.running, "socket": connected}

    if port is not None:

        class Quiet(WSGIRequestHandler):
            def log_message(self, *args) -> None:  # no access log: paths carry one-time tokens
                pass

        class Threaded(ThreadingMixIn, WSGIServer):
            daemon_threads = True

        site = make_wsgi(
            app,
            health=health,
            metrics_page=metrics_page(app, settings),
            metrics_token=settings.metrics_token,
            slack_events=False,
        )
        server = make_server(host, port, site, server_class=Threaded, handler_class=Quiet)
        threading.Thread(target=server.serve_forever, name="health", daemon=True).start()
        log.warning("Socket Mode: /healthz on %s:%s", host, port)
    handler.start()
