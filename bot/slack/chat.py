"""The Chat port for Slack: DMs only (the channel is checked), DM channels cached, sent off the ack path."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.chat import DeliveryError, Done
from bot.messages import Message
from bot.slack.blocks import message_blocks
from bot.slack.workspaces import WorkspaceClients
from bot.texts import Texts

log = logging.getLogger(__name__)
GONE = frozenset({"message_not_found", "cant_update_message", "edit_window_closed", "channel_not_found"})


class SlackChat:
    """`clients` gives the Web API client of a workspace (OAuth mode: its own bot token); without it, every
    organisation is the one workspace of `client` (single-token mode)."""

    def __init__(
        self,
        client: WebClient,
        texts: Texts | None = None,
        workers: int = 4,
        clients: WorkspaceClients | None = None,
    ):
        self.client = client
        self.clients = clients
        self.texts = texts or Texts()
        self._channels: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        # Posting waits on Slack (and on rate-limit retries); the user's ack must not.
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-dm")
        self._pending: set[Future] = set()
        self._living: dict[tuple[str, str, str], str] = {}  # (org, person, case) -> channel:ts posted here

    def client_for(self, org_key: str) -> WebClient:
        if self.clients is None:
            return self.client
        client = self.clients(org_key)
        if client is None:
            raise DeliveryError("not_installed")  # the workspace removed the app: nothing goes out there
        return client

    def dm_channel(self, user_id: str, org_key: str = "") -> str:
        with self._lock:
            cached = self._channels.get((org_key, user_id))
        if cached:
            return cached
        channel = self.client_for(org_key).conversations_open(users=user_id)["channel"]["id"]
        with self._lock:
            self._channels[(org_key, user_id)] = channel
        return channel

    def send_dm(self, *, org_key: str, person_id: str, message: Message, done: Done | None = None) -> None:
        future = self._pool.submit(self._post, org_key, person_id, message, done)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> str | None:
        try:
            client = self.client_for(org_key)
            channel = self.dm_channel(person_id, org_key)
        except DeliveryError:
            raise
        except SlackApiError as exc:
            raise DeliveryError(str(exc.response.get("error"))) from None
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if not channel.startswith("D"):
            # Never post case notices into a channel others can read.
            raise DeliveryError("not_a_dm")
        try:
            if message.file is not None:
                # An evaluation chart (anonymous figures): uploaded into the same DM, never shared wider.
                name, content = message.file
                client.files_upload_v2(
                    channel=channel, content=content, filename=name, title=name, initial_comment=message.text
                )
                return None
            blocks = message_blocks(message, self.texts)
            old = self._living_ref(org_key, person_id, message, channel)
            if old is not None and not message.notify and self._updated(client, old, message.text, blocks):
                return f"{old[0]}:{old[1]}"
            posted = client.chat_postMessage(channel=channel, text=message.text, blocks=blocks, unfurl_links=False)
            ref = f"{channel}:{posted.get('ts')}"
            if message.living:
                with self._lock:
                    self._living[(org_key, person_id, message.case_code or "")] = ref
                if old is not None:  # posted anew to notify: one message per case stays in the DM
                    self._delete(client, old)
            return ref
        except SlackApiError as exc:
            raise DeliveryError(str(exc.response.get("error"))) from None
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None

    def _living_ref(self, org_key: str, person_id: str, message: Message, channel: str) -> tuple[str, str] | None:
        """The living message this one replaces: as the database knew it, or as this process posted it since
        (two changes in quick succession, the first one's reference not yet recorded)."""
        if not message.living:
            return None
        with self._lock:
            ref = self._living.get((org_key, person_id, message.case_code or "")) or message.replaces
        if not ref or ":" not in ref:
            return None
        old_channel, ts = ref.split(":", 1)
        return (old_channel, ts) if old_channel == channel else None

    @staticmethod
    def _updated(client: WebClient, old: tuple[str, str], text: str, blocks: list) -> bool:
        try:
            client.chat_update(channel=old[0], ts=old[1], text=text, blocks=blocks)
            return True
        except SlackApiError as exc:
            if exc.response.get("error") in GONE:
                return False  # the person deleted it, or it is too old to edit: a new one is posted
            raise

    @staticmethod
    def _delete(client: WebClient, old: tuple[str, str]) -> None:
        try:
            client.chat_delete(channel=old[0], ts=old[1])
        except SlackApiError as exc:  # already gone: nothing to tidy
            log.info("living message not removed: %s", exc.response.get("error"))

    def _post(self, org_key: str, person_id: str, message: Message, done: Done | None = None) -> None:
        ref = None
        try:
            ref = self.deliver(org_key=org_key, person_id=person_id, message=message)
            error = None
        except DeliveryError as exc:  # a DM must never take the process down
            log.error("DM not delivered: %s", exc)
            error = str(exc) or "delivery_error"
        if done is not None:
            done(error, ref)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait for DMs in flight (tests, and a clean shutdown)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout=timeout)
