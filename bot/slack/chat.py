"""The Chat port for Slack: DMs only (the channel is checked), DM channels cached, sent off the ack path."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.chat import DeliveryError
from bot.messages import Message
from bot.slack.blocks import message_blocks
from bot.slack.workspaces import WorkspaceClients
from bot.texts import Texts

log = logging.getLogger(__name__)


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

    def send_dm(
        self, *, org_key: str, person_id: str, message: Message, done: Callable[[str | None], None] | None = None
    ) -> None:
        future = self._pool.submit(self._post, org_key, person_id, message, done)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> None:
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
                return
            client.chat_postMessage(
                channel=channel, text=message.text, blocks=message_blocks(message, self.texts), unfurl_links=False
            )
        except SlackApiError as exc:
            raise DeliveryError(str(exc.response.get("error"))) from None
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None

    def _post(
        self, org_key: str, person_id: str, message: Message, done: Callable[[str | None], None] | None = None
    ) -> None:
        try:
            self.deliver(org_key=org_key, person_id=person_id, message=message)
            error = None
        except DeliveryError as exc:  # a DM must never take the process down
            log.error("DM not delivered: %s", exc)
            error = str(exc) or "delivery_error"
        if done is not None:
            done(error)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait for DMs in flight (tests, and a clean shutdown)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout=timeout)
