"""Settings: the only module that reads the environment."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping


@dataclass(frozen=True)
class Settings:
    database_url: str
    config_path: Path | None
    data_dir: Path
    log_level: str = "INFO"
    log_format: str = "text"  # or json: one JSON object per line, for a log collector
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_client_id: str | None = None      # with the secret: OAuth, many workspaces (one organisation each)
    slack_client_secret: str | None = None
    slack_listener_threads: int = 32
    reminder_interval_seconds: int = 60
    encryption_keys: str | None = None  # MELDCODE_KEYS: "id:base64key,..." (the last is current)
    key_file: Path | None = None        # MELDCODE_KEY_FILE, or data/meldcode.key for the embedded default

    @property
    def embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        data_dir = Path(env.get("MELDCODE_DATA_DIR") or "data").resolve()
        url = env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'meldcode.db'}"
        config = env.get("MELDCODE_CONFIG")
        api_url = env.get("SLACK_API_URL") or "https://slack.com/api/"
        return cls(database_url=url, config_path=Path(config) if config else None, data_dir=data_dir,
                   log_level=(env.get("MELDCODE_LOG_LEVEL") or "INFO").upper(),
                   log_format="json" if (env.get("MELDCODE_LOG_FORMAT") or "").lower() == "json" else "text",
                   slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
                   slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
                   slack_app_token=env.get("SLACK_APP_TOKEN") or None,
                   slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
                   slack_client_id=env.get("SLACK_CLIENT_ID") or None,
                   slack_client_secret=env.get("SLACK_CLIENT_SECRET") or None,
                   reminder_interval_seconds=int(env.get("MELDCODE_REMINDER_INTERVAL") or 60),
                   encryption_keys=env.get("MELDCODE_KEYS") or None,
                   key_file=Path(env["MELDCODE_KEY_FILE"]) if env.get("MELDCODE_KEY_FILE")
                   else data_dir / "meldcode.key")

    @property
    def oauth(self) -> bool:
        """Hosted for many workspaces: installed through Slack's OAuth flow, no single bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def missing_for_slack(self) -> list[str]:
        """What `meldcode serve` needs and is not set."""
        if self.oauth:
            return [] if self.slack_signing_secret else ["SLACK_SIGNING_SECRET"]
        missing = [name for name, value in (("SLACK_BOT_TOKEN", self.slack_bot_token),
                                            ("SLACK_SIGNING_SECRET", self.slack_signing_secret)) if not value]
        return missing if not self.slack_app_token else [m for m in missing if m != "SLACK_SIGNING_SECRET"]
