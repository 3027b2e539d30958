"""The Chat port for Slack: DMs only (the channel is checked), DM channels cached, sent off the ack path."""
from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.chat import DeliveryError
from bot.messages import Message
from bot.slack.blocks import message_blocks
from bot.texts import Texts

log = logging.getLogger(__name__)


class SlackChat:
    def __init__(self, client: WebClient, texts: Texts | None = None, workers: int = 4):
        self.client = client
        self.texts = texts or Texts()
        self._channels: dict[str, str] = {}
        self._lock = threading.Lock()
        # Posting waits on Slack (and on rate-limit retries); the user's ack must not.
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="slack-dm")
        self._pending: set[Future] = set()

    def dm_channel(self, user_id: str) -> str:
        with self._lock:
            cached = self._channels.get(user_id)
        if cached:
            return cached
        channel = self.client.conversations_open(users=user_id)["channel"]["id"]
        with self._lock:
            self._channels[user_id] = channel
        return channel

    def send_dm(self, *, org_key: str, person_id: str, message: Message) -> None:
        future = self._pool.submit(self._post, person_id, message)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> None:
        try:
            channel = self.dm_channel(person_id)
        except SlackApiError as exc:
            raise DeliveryError(str(exc.response.get("error")))
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None
        if not channel.startswith("D"):
            # Never post case notices into a channel others can read.
            raise DeliveryError("not_a_dm")
        try:
            if message.file is not None:
                # An evaluation chart (anonymous figures): uploaded into the same DM, never shared wider.
                name, content = message.file
                self.client.files_upload_v2(channel=channel, content=content, filename=name, title=name,
                                            initial_comment=message.text)
                return
            self.client.chat_postMessage(channel=channel, text=message.text,
                                         blocks=message_blocks(message, self.texts), unfurl_links=False)
        except SlackApiError as exc:
            raise DeliveryError(str(exc.response.get("error"))) from None
        except Exception as exc:
            raise DeliveryError(type(exc).__name__) from None

    def _post(self, person_id: str, message: Message) -> None:
        try:
            self.deliver(org_key="", person_id=person_id, message=message)
        except DeliveryError as exc:  # a DM must never take the process down
            log.error("DM not delivered: %s", exc)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait for DMs in flight (tests, and a clean shutdown)."""
        with self._lock:
            pending = list(self._pending)
        for future in pending:
            future.result(timeout=timeout)
