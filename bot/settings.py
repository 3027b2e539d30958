"""Settings: the only module that reads the environment. Every variable is checked here, at start-up: a bad value
is one line naming the variable, what is wrong and an example (SettingsError), never a traceback later."""

from __future__ import annotations

import base64
import difflib
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# Every variable the bot reads, with an example of a good value (for the error lines and the README).
KNOWN = {
    "DATABASE_URL": "postgresql://meldcode@db.example.org/meldcode",
    "MELDCODE_CONFIG": "/etc/meldcode/organisation.yaml",
    "MELDCODE_DATA_DIR": "/var/lib/meldcode",
    "MELDCODE_KEYS": "audit:<base64>,k1:<base64> (make entries with `meldcode keys new`)",
    "MELDCODE_KEY_FILE": "/etc/meldcode/meldcode.key",
    "MELDCODE_AUDIT_WITNESS": "/var/log/meldcode/audit-witness.jsonl",
    "MELDCODE_REMINDER_INTERVAL": "60 (seconds)",
    "MELDCODE_LOG_LEVEL": "INFO (one of " + ", ".join(LOG_LEVELS) + ")",
    "MELDCODE_LOG_FORMAT": "json (or text)",
    "MELDCODE_PUBLIC_URL": "https://meldcode.example.org (where browsers reach the bot; an intranet address is fine)",
    "MELDCODE_METRICS_TOKEN": "a random string of 24+ characters (turns on /metrics for a scraper sending it)",
    "MELDCODE_PG_BIN": "/usr/lib/postgresql/15/bin (the folder of pg_dump and pg_restore, for backup and restore)",
    "SLACK_BOT_TOKEN": "xoxb-…",
    "SLACK_SIGNING_SECRET": "the app's Signing Secret (Basic Information)",
    "SLACK_APP_TOKEN": "xapp-… (Socket Mode)",
    "SLACK_API_URL": "https://slack.com/api/",
    "SLACK_CLIENT_ID": "1234567890.1234567890",
    "SLACK_CLIENT_SECRET": "the app's Client Secret (Basic Information)",
}


class SettingsError(Exception):
    """One or more variables hold values the bot cannot run with; each problem is one line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def problem(name: str, what: str) -> str:
    return f"{name}: {what} (for example {name}={KNOWN[name]})"


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
    slack_client_id: str | None = None  # with the secret: OAuth, many workspaces (one organisation each)
    slack_client_secret: str | None = None
    slack_listener_threads: int = 32
    reminder_interval_seconds: int = 60
    encryption_keys: str | None = None  # MELDCODE_KEYS: "id:base64key,..." (the last is current)
    key_file: Path | None = None  # MELDCODE_KEY_FILE, or data/meldcode.key for the embedded default
    key_file_given: bool = False  # MELDCODE_KEY_FILE was set (not the default place)
    audit_witness: Path | None = None  # MELDCODE_AUDIT_WITNESS: the audit chains' heads, outside the database
    pg_bin: Path | None = None  # MELDCODE_PG_BIN: the folder of pg_dump and pg_restore (default: the PATH's)
    metrics_token: str | None = None  # MELDCODE_METRICS_TOKEN: /metrics is served (to this bearer) only when set
    public_url: str | None = None  # MELDCODE_PUBLIC_URL: the base of a dossier's one-time link (no trailing /)

    @property
    def embedded_database(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def database_label(self) -> str:
        """The database for people to read: a file, or a server URL without its password."""
        if self.embedded_database:
            return self.database_url.split("///", 1)[-1]
        parts = urllib.parse.urlsplit(self.database_url)
        netloc = parts.netloc.rsplit("@", 1)
        host = netloc[-1]
        user = netloc[0].split(":", 1)[0] + "@" if len(netloc) == 2 else ""
        return urllib.parse.urlunsplit((parts.scheme, user + host, parts.path, "", ""))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable; all problems at once (SettingsError), each on its own line."""
        env = os.environ if env is None else env
        problems: list[str] = []

        def get(name: str) -> str | None:
            value = env.get(name)
            return value.strip() if value and value.strip() else None

        for name in sorted(n for n in env if n.startswith("MELDCODE_") and n not in KNOWN):
            close = difflib.get_close_matches(name, [k for k in KNOWN if k.startswith("MELDCODE_")], n=1)
            problems.append(
                f"{name}: not a setting of meldcode-bot"
                + (f"; did you mean {close[0]}?" if close else " (see the README's settings table)")
            )
        data_dir = Path(get("MELDCODE_DATA_DIR") or "data").resolve()
        if data_dir.exists() and not data_dir.is_dir():
            problems.append(problem("MELDCODE_DATA_DIR", f"{data_dir} is not a folder"))
        url = get("DATABASE_URL") or f"sqlite:///{data_dir / 'meldcode.db'}"
        if get("DATABASE_URL") and (why := _database_url_problem(url)):
            problems.append(problem("DATABASE_URL", why))
        config = get("MELDCODE_CONFIG")
        if config and not Path(config).is_file():
            problems.append(problem("MELDCODE_CONFIG", f"there is no file {config}"))
        level = (get("MELDCODE_LOG_LEVEL") or "INFO").upper()
        if level not in LOG_LEVELS:
            problems.append(problem("MELDCODE_LOG_LEVEL", f"{get('MELDCODE_LOG_LEVEL')!r} is not a log level"))
        fmt = (get("MELDCODE_LOG_FORMAT") or "text").lower()
        if fmt not in ("text", "json"):
            problems.append(problem("MELDCODE_LOG_FORMAT", f"{get('MELDCODE_LOG_FORMAT')!r} is neither text nor json"))
        interval = _number(get("MELDCODE_REMINDER_INTERVAL") or "60", 1, 86_400)
        if interval is None:
            problems.append(
                problem(
                    "MELDCODE_REMINDER_INTERVAL",
                    f"{get('MELDCODE_REMINDER_INTERVAL')!r} is not a whole number of seconds from 1 to 86400",
                )
            )
        keys = get("MELDCODE_KEYS")
        if keys and (why := _keys_problem(keys)):
            problems.append(problem("MELDCODE_KEYS", why))
        named_key_file = get("MELDCODE_KEY_FILE")
        key_file = Path(named_key_file) if named_key_file else data_dir / "meldcode.key"
        if key_file.exists():
            if not key_file.is_file():
                problems.append(problem("MELDCODE_KEY_FILE", f"{key_file} is not a file"))
            elif not keys and (why := _keys_problem(_read(key_file))):
                problems.append(problem("MELDCODE_KEY_FILE", f"{key_file}: {why}"))
        named_witness = get("MELDCODE_AUDIT_WITNESS")
        witness = Path(named_witness) if named_witness else None
        if witness is not None and (witness.is_dir() or not witness.parent.is_dir()):
            problems.append(
                problem(
                    "MELDCODE_AUDIT_WITNESS",
                    f"{witness} is a folder" if witness.is_dir() else f"the folder {witness.parent} does not exist",
                )
            )
        api_url = get("SLACK_API_URL") or "https://slack.com/api/"
        if urllib.parse.urlsplit(api_url).scheme not in ("http", "https") or not urllib.parse.urlsplit(api_url).netloc:
            problems.append(problem("SLACK_API_URL", f"{api_url!r} is not an http(s) address"))
        for name, prefixes in (("SLACK_BOT_TOKEN", ("xoxb-", "xoxe.xoxb-")), ("SLACK_APP_TOKEN", ("xapp-",))):
            value = get(name)
            if value and not value.startswith(prefixes):
                problems.append(
                    problem(
                        name,
                        f"a token that starts with {value[:5]!r} is not a "
                        f"{'bot' if name == 'SLACK_BOT_TOKEN' else 'app-level'} token",
                    )
                )
        metrics_token = get("MELDCODE_METRICS_TOKEN")
        if metrics_token is not None and len(metrics_token) < 24:
            problems.append(problem("MELDCODE_METRICS_TOKEN", "a bearer token of at least 24 characters is needed"))
        public = get("MELDCODE_PUBLIC_URL")
        parts = urllib.parse.urlsplit(public or "")
        if public and (parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment):
            problems.append(problem("MELDCODE_PUBLIC_URL", f"{public!r} is not an http(s) address"))
        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
            problems.append(
                problem(
                    missing, "hosting for many workspaces (OAuth) needs both SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
                )
            )
        if problems:
            raise SettingsError(problems)
        return cls(
            database_url=url,
            config_path=Path(config) if config else None,
            data_dir=data_dir,
            log_level=level,
            log_format=fmt,
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=api_url if api_url.endswith("/") else api_url + "/",
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            reminder_interval_seconds=interval or 60,
            encryption_keys=keys,
            key_file=key_file,
            key_file_given=bool(get("MELDCODE_KEY_FILE")),
            audit_witness=witness,
            public_url=public.rstrip("/") if public else None,
            pg_bin=Path(get("MELDCODE_PG_BIN") or "") if get("MELDCODE_PG_BIN") else None,
            metrics_token=metrics_token,
        )

    @property
    def oauth(self) -> bool:
        """Hosted for many workspaces: installed through Slack's OAuth flow, no single bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    def oauth_client(self) -> tuple[str, str]:
        """The Slack app's OAuth client id and secret, for hosting many workspaces (see `oauth`)."""
        if not (self.slack_client_id and self.slack_client_secret):
            raise SettingsError(["SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: both are needed to host many workspaces"])
        return self.slack_client_id, self.slack_client_secret

    def missing_for_slack(self) -> list[str]:
        """What `meldcode serve` needs and is not set."""
        if self.oauth:
            return [] if self.slack_signing_secret else ["SLACK_SIGNING_SECRET"]
        missing = [
            name
            for name, value in (
                ("SLACK_BOT_TOKEN", self.slack_bot_token),
                ("SLACK_SIGNING_SECRET", self.slack_signing_secret),
            )
            if not value
        ]
        return missing if not self.slack_app_token else [m for m in missing if m != "SLACK_SIGNING_SECRET"]


def _number(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and low <= int(text) <= high else None


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"\0{type(exc).__name__}"


def _database_url_problem(url: str) -> str | None:
    scheme = url.split("://", 1)[0] if "://" in url else ""
    if scheme not in ("sqlite", "postgresql", "postgresql+psycopg"):
        return f"{scheme or url[:20]!r} is not a database this bot runs on (PostgreSQL, or sqlite:///FILE)"
    if scheme == "sqlite" and not url.startswith("sqlite:///"):
        return "an SQLite URL names its file after three slashes: sqlite:///path/to/meldcode.db"
    if scheme != "sqlite" and not urllib.parse.urlsplit(url).path.strip("/"):
        return "the URL names no database (…/meldcode at its end)"
    return None


def _keys_problem(spec: str) -> str | None:
    """What is wrong with a key spec ('id:base64', by commas or lines; '#' comments), or None."""
    if spec.startswith("\0"):
        return f"cannot be read ({spec[1:]})"
    entries = [
        e.strip()
        for line in spec.splitlines()
        if not line.strip().startswith("#")
        for e in line.split(",")
        if e.strip()
    ]
    if not entries:
        return "holds no key"
    for number, entry in enumerate(entries, 1):
        kid, sep, b64 = entry.partition(":")
        if not sep or not kid.strip():
            return f"entry {number} is not id:base64key"
        try:
            raw = base64.b64decode(b64.strip(), validate=True)
        except ValueError:
            return f"key {kid.strip()!r} is not valid base64"
        if len(raw) != 32:
            return f"key {kid.strip()!r} is {len(raw)} bytes; keys are 32 bytes (256 bits)"
    if not any(e.partition(":")[0].strip() != "audit" for e in entries):
        return "holds only the audit key; add an encryption key with `meldcode keys new`"
    return None
