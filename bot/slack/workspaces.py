"""OAuth mode: each workspace's Web API client, with its bot token from the (encrypted) installation store,
rotated before it expires (Slack's token rotation)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import Bot, InstallationStore
from slack_sdk.oauth.token_rotation import TokenRotator

ROTATE_MINUTES_BEFORE = 120  # as the requests' authorize does (bot.slack.oauth)
CACHE_SECONDS = 60.0


class WorkspaceClients:
    """`clients(team_id)`: a WebClient for that workspace, or None when the app is not installed there."""

    def __init__(
        self,
        installations: InstallationStore,
        *,
        client_id: str,
        client_secret: str,
        make_client: Callable[[str | None], WebClient],
    ):
        self.installations, self.make_client = installations, make_client
        self.rotator = TokenRotator(client_id=client_id, client_secret=client_secret, client=make_client(None))
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[Bot, WebClient, float]] = {}

    def __call__(self, team_id: str) -> WebClient | None:
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(team_id)
        if cached and cached[2] > now and not self._expiring(cached[0]):
            return cached[1]
        bot = self.installations.find_bot(enterprise_id=None, team_id=team_id)
        if bot is None:
            self.forget(team_id)
            return None
        if bot.bot_refresh_token:
            rotated = self.rotator.perform_bot_token_rotation(bot=bot, minutes_before_expiration=ROTATE_MINUTES_BEFORE)
            if rotated is not None:
                self.installations.save_bot(rotated)
                bot = rotated
        client = self.make_client(bot.bot_token)
        with self._lock:
            self._cache[team_id] = (bot, client, now + CACHE_SECONDS)
        return client

    def forget(self, team_id: str) -> None:
        with self._lock:
            self._cache.pop(team_id, None)

    @staticmethod
    def _expiring(bot: Bot) -> bool:
        expires = getattr(bot, "bot_token_expires_at", None)
        if not expires:
            return False
        return float(expires) - time.time() < ROTATE_MINUTES_BEFORE * 60
