"""build_app(settings): the Bolt app, its Web API client (retries, local stand-in) and its listeners."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.oauth.installation_store import InstallationStore

from bot import i18n, metrics
from bot.config import load_config
from bot.logs import quiet_libraries
from bot.router import ServiceRouter
from bot.service import ConversationService, claim_request
from bot.settings import Settings
from bot.slack.chat import SlackChat
from bot.slack.listeners import actions, admin, commands, events, shortcuts, submissions
from bot.slack.listeners.common import PORT, PUBLIC_URL
from bot.slack.oauth import authorize, installations, oauth_flow
from bot.slack.workspaces import WorkspaceClients
from bot.startup import open_store
from bot.tenants import Tenants, current_team, set_team
from flows.loader import load_all
from flows.workdays import warm_up

log = logging.getLogger(__name__)
# No statement, lock wait or connection attempt of a serving process waits longer than this.
REQUEST_TIMEOUT = 2.0


def web_client(settings: Settings, token: str | None = None) -> WebClient:
    return WebClient(
        token=token or settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
        ],
    )


def slack_chat(settings: Settings, installs: InstallationStore | None = None) -> SlackChat:
    """DMs through Slack: hosted for many workspaces (installs given), each through its own bot token; otherwise
    through the one bot token."""
    client = web_client(settings)
    if installs is None:
        return SlackChat(client)
    client_id, client_secret = settings.oauth_client()
    clients = WorkspaceClients(
        installs,
        client_id=client_id,
        client_secret=client_secret,
        make_client=lambda token: web_client(settings, token),
    )
    return SlackChat(client, clients=clients)


class LocaleLookups:
    """At most one Slack locale lookup per person at a time; a request that would wait long does without."""

    WAIT = 0.5  # seconds; within the ack budget, and more than a lookup takes when Slack answers

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._running: dict[str, threading.Event] = {}

    @contextlib.contextmanager
    def one_at_a_time(self, user: str) -> Iterator[bool]:
        """True for the request that looks up (and must store the result); False for one that waited for it."""
        with self._guard:
            running = self._running.get(user)
            if running is None:
                self._running[user] = done = threading.Event()
        if running is not None:
            running.wait(self.WAIT)
            yield False
            return
        try:
            yield True
        finally:
            with self._guard:
                self._running.pop(user, None)
            done.set()


class MeldcodeApp(App):
    """Bolt's app, with what the server needs beside it: the DMs in flight (flushed on shutdown) and the
    organisations (whose reminder passes run beside it)."""

    meldcode_chat: SlackChat
    meldcode_tenants: Tenants
    meldcode_port: ServiceRouter


def acting_user(body: Any) -> str | None:
    """Who acts, from any payload: commands, interactions, and events (a user id, or a user object)."""
    if not isinstance(body, dict):
        return None
    user = body.get("user_id") or body.get("user") or (body.get("event") or {}).get("user")
    if isinstance(user, dict):
        user = user.get("id")
    return str(user)[:64] if isinstance(user, str) and user else None


def build_app(
    settings: Settings, service: ConversationService | None = None, *, process_before_response: bool = True
) -> MeldcodeApp:
    """The answer is committed before the ack anyway, so listeners run in the request's own thread:
    no hand-off to Bolt's executor and no 10 ms ack polling (measured: half the cost of a request)."""
    quiet_libraries()
    store = service.store if service else open_store(settings, request_timeout=REQUEST_TIMEOUT)
    flow_installs = installations(settings, store) if settings.oauth and service is None else None
    chat = slack_chat(settings, flow_installs)
    client = chat.client
    if service is not None:
        tenants = Tenants.wrap(service)
    else:
        tenants = Tenants(
            store=store,
            flows=load_all(),
            chat=chat,
            entry_point="slack",
            single=None if settings.oauth else load_config(settings.config_path),
        )
    chat.texts = tenants.texts
    warm_up(dt.date.today())  # the first answer that sets a deadline should not wait for the holiday tables
    router = ServiceRouter(tenants)
    # Bolt logs parts of unhandled payloads at WARNING (attacker-chosen callback ids, action values):
    # its own logger is held at ERROR, and errors are logged by type only (see on_error below).
    bolt_log = logging.getLogger("meldcode.bolt")
    bolt_log.setLevel(logging.ERROR)
    app = MeldcodeApp(
        client=client,
        signing_secret=settings.slack_signing_secret,
        logger=bolt_log,
        # Single-token mode: the token is checked once at start-up (a bad token fails fast).
        token_verification_enabled=not flow_installs,
        process_before_response=process_before_response,
        oauth_flow=oauth_flow(settings, store, flow_installs, client, tenants) if flow_installs else None,
        authorize=authorize(settings, flow_installs, client) if flow_installs else None,
        # Listeners wait on the database and Slack: 5 threads (Bolt's default) starve under load.
        listener_executor=ThreadPoolExecutor(max_workers=settings.slack_listener_threads, thread_name_prefix="bolt"),
    )

    def for_their_workspace(context, body) -> BoltResponse | None:
        """Each request belongs to the organisation of its workspace; one that has not installed gets nothing."""
        set_team(context.team_id or (body.get("team_id") if isinstance(body, dict) else None))
        return BoltResponse(status=200, body="") if tenants.for_team(current_team()) is None else None

    def once_per_event(body) -> BoltResponse | None:
        """Slack retries an event that was not acked in 3 s; apply each event id once."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not tenants.claim_event(str(event_id)[:64]):
            return BoltResponse(status=200, body="")
        return None

    lookups = LocaleLookups()

    def in_their_language(body, client) -> None:
        """Each request speaks the language of the person acting: their choice, or once their Slack locale."""
        user = acting_user(body)
        language = router.language_of(user) if user else None
        if user and language is None:
            with lookups.one_at_a_time(user) as first:
                # Someone's first requests often come at once (a modal opened twice, a burst after installing):
                # one asks Slack and stores the locale, the others then read it.
                language = router.language_of(user) if not first else None
                if language is None and first:
                    try:
                        locale = client.users_info(user=user, include_locale=True)["user"].get("locale")
                    except Exception as exc:  # Slack unreachable: Dutch, and try again another time
                        log.warning("no locale for a user: %s", type(exc).__name__)
                        locale = None
                    language = router.adopt_locale(user, locale) if locale else None
        i18n.set_for_event(language)

    @app.middleware
    def before_listeners(context, body, client, next):
        """One middleware for the three (Bolt builds each one's arguments on every request)."""
        metrics.current_kind.set(metrics.kind_of(body))  # counted by the server when answered (bot.metrics)
        refused = for_their_workspace(context, body) or once_per_event(body)
        if refused is not None:
            return refused
        # A command or interaction is applied once: its trigger_id is claimed by its first transaction, so a
        # replay of the same signed request (possible within the five minutes a signature holds) changes nothing.
        trigger = body.get("trigger_id") if isinstance(body, dict) else None
        claim_request(f"trigger:{trigger}" if isinstance(trigger, str) and trigger else None)
        in_their_language(body, client)
        context[PORT] = router  # what every listener talks to (listeners.common.port_of)
        context[PUBLIC_URL] = settings.public_url  # the base of a dossier's one-time link
        return next()

    @app.error
    def on_error(error, response):
        """A bug in a listener: log what kind, never the payload, and never answer 500."""
        log.error("listener failed: %s", type(error).__name__)
        response.status, response.body = 200, ""
        return response

    # Bolt tries listeners in the order they were added, building each one's arguments: the command and
    # step submissions, most of the traffic, come first (measured: 17 misses per step submission before).
    for group in (commands, submissions, actions, events, shortcuts, admin):
        group.register(app)
    events.register_installs(app, tenants, chat)
    app.meldcode_chat = chat  # so the server can flush DMs in flight on shutdown
    app.meldcode_port = router  # so the server can open a dossier's one-time link (bot.slack.dossier_links)
    app.meldcode_tenants = tenants  # so the server can start the reminder passes beside it
    return app
