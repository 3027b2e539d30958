"""Fixtures for Slack: the Web API stand-in, `meldcode serve` as a real process, signed requests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from slack_sdk.signature import SignatureVerifier

from bot.config import demo_config_path
from storage.db import Store
from tests.bot.dialog import new_case
from tests.conftest import TEST_KEYS
from tests.slack.standin import Standin

ROOT = Path(__file__).resolve().parents[2]
SECRET = "test-signing-secret"
# Slack user ids for the demo people.
USERS = {"sanne": "USANNE", "tom": "UTOM", "mila": "UMILA", "daan": "UDAAN", "els": "UELS", "noor": "UNOOR"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    body: str

    def json(self):
        return json.loads(self.body) if self.body else {}


@dataclass
class SlackServer:
    url: str
    standin: Standin
    process: subprocess.Popen
    log_path: Path
    db_url: str
    team: str = "T1"  # the workspace the next request comes from
    cookies: list[str] = field(default_factory=list)

    def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SECRET,
        timestamp: int | None = None,
        signature: str | None = None,
    ) -> Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            self.url + "/slack/events",
            data=body.encode(),
            method="POST",
            headers={"Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig},
        )
        try:
            with urllib.request.urlopen(request, timeout=15) as resp:
                return Response(resp.status, resp.read().decode())
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode())

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        """A browser's GET (the install pages); the response's Set-Cookie is kept in `cookies`."""
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=15) as resp:
                self.cookies = resp.headers.get_all("Set-Cookie") or []
                return Response(resp.status, resp.read().decode())
        except urllib.error.HTTPError as exc:
            return Response(exc.code, exc.read().decode())

    def command(self, user: str, text: str, **kw) -> Response:
        body = urllib.parse.urlencode(
            {
                "command": "/meldcode",
                "text": text,
                "user_id": USERS.get(user, user),
                "team_id": self.team,
                "trigger_id": f"trig-{time.time()}-{uuid.uuid4().hex[:8]}",
                "channel_id": "C0PUBLIC",
                "response_url": "http://127.0.0.1:9/x",
            }
        )
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def interaction(self, payload: dict, **kw) -> Response:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded", **kw)

    def event(self, event: dict, event_id: str, **kw) -> Response:
        body = json.dumps(
            {
                "type": "event_callback",
                "team_id": self.team,
                "api_app_id": "A1",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        return self.post(body, "application/json", **kw)

    def button(self, user: str, action_id: str, value: str, view: dict | None = None) -> Response:
        payload = {
            "type": "block_actions",
            "user": {"id": USERS.get(user, user)},
            "team": {"id": self.team},
            "trigger_id": f"trig-{time.time()}",
            "api_app_id": "A1",
            "actions": [{"action_id": action_id, "block_id": "b", "value": value, "type": "button"}],
        }
        if view:
            payload["view"] = view
        else:
            payload["container"] = {"type": "message"}
        return self.interaction(payload)

    def submit(self, user: str, view: dict, values: dict) -> Response:
        """Submit a modal the bot built, filling its inputs the way Slack reports them. A value for a field the
        modal does not show yet is filled as a person would: first the choice it depends on (dispatch_action),
        then the form Slack shows after the bot's views.update."""
        shown = {b["block_id"][2:] for b in view["blocks"] if b.get("type") == "input"}
        dispatching = [b for b in view["blocks"] if b.get("dispatch_action") and b["block_id"][2:] in values]
        if set(values) - shown and dispatching:
            updates = len(self.standin.of("views.update"))
            self.interaction(
                {
                    "type": "block_actions",
                    "user": {"id": USERS.get(user, user)},
                    "team": {"id": self.team},
                    "trigger_id": f"trig-{time.time()}",
                    "api_app_id": "A1",
                    "actions": [{"action_id": "value", "block_id": dispatching[0]["block_id"]}],
                    "view": {**view, "id": "V123", "hash": "h1", "state": {"values": self._state(view, values)}},
                }
            )
            grown = self.standin.wait_for("views.update", updates + 1)[-1]["view"]
            if {b.get("block_id") for b in grown["blocks"]} != {b.get("block_id") for b in view["blocks"]}:
                return self.submit(user, {**grown, "callback_id": view["callback_id"]}, values)
        state = self._state(view, values)
        submitted = {**view, "id": "V123", "hash": "h1", "state": {"values": state}}
        return self.interaction(
            {
                "type": "view_submission",
                "user": {"id": USERS.get(user, user)},
                "team": {"id": self.team},
                "api_app_id": "A1",
                "view": submitted,
            }
        )

    @staticmethod
    def _state(view: dict, values: dict) -> dict:
        state = {}
        for block in view["blocks"]:
            if block.get("type") != "input":
                continue
            fid = block["block_id"][2:]
            element = block["element"]
            kind = element["type"]
            value = values.get(fid, _initial(element))  # what Slack reports for an input left as it was shown
            if kind == "plain_text_input":
                entry = {"type": kind, "value": value}
            elif kind == "number_input":
                entry = {"type": kind, "value": None if value is None else str(value)}
            elif kind in ("radio_buttons", "static_select"):
                entry = {"type": kind, "selected_option": None if value is None else {"value": value}}
            elif kind in ("checkboxes", "multi_static_select"):
                entry = {"type": kind, "selected_options": [{"value": v} for v in (value or [])]}
            elif kind == "datepicker":
                entry = {"type": kind, "selected_date": value}
            elif kind == "datetimepicker":
                entry = {"type": kind, "selected_date_time": value}
            else:
                raise AssertionError(kind)
            state[block["block_id"]] = {"value": entry}
        return state

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def store(self) -> Store:
        return Store.from_url(self.db_url)


def slack_config(tmp_path: Path) -> Path:
    raw = yaml.safe_load(demo_config_path().read_text())
    raw["organisation"]["key"] = "T1"
    for person in raw["people"]:
        person["id"] = USERS[person["id"]]
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def start_server(
    tmp_path: Path,
    db_url: str,
    standin: Standin,
    *,
    threads: int = 16,
    workers: int = 1,
    env_overrides: dict[str, str | None] | None = None,
    extra_args: list[str] | None = None,
) -> SlackServer:
    port = _free_port()
    log_path = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MELDCODE_", "DATABASE_URL"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": standin.url,
            "DATABASE_URL": db_url,
            "MELDCODE_CONFIG": str(slack_config(tmp_path)),
            "MELDCODE_LOG_LEVEL": "DEBUG",
            "MELDCODE_KEYS": TEST_KEYS,
            "MELDCODE_PUBLIC_URL": f"http://127.0.0.1:{port}",  # the dossier's one-time links: this very server
        }
    )
    for key, value in (env_overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    subprocess.run(
        [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
    )
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            str(threads),
            "--workers",
            str(workers),
            *(extra_args or []),
        ],
        env=env,
        cwd=ROOT,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return SlackServer(url, standin, process, log_path, db_url)
        except OSError:
            time.sleep(0.1)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("meldcode serve did not start:\n" + log_path.read_text())


@pytest.fixture
def standin():
    s = Standin().start()
    yield s
    s.stop()


@pytest.fixture
def slack(tmp_path, standin, db_url):
    server = start_server(tmp_path, db_url, standin)
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="module")
def service_module(tmp_path_factory):
    """One service for a whole fuzzing run (hypothesis calls a test many times with one fixture)."""
    from bot.chat import RecordingChat
    from bot.config import load_config
    from bot.service import ConversationService
    from flows.loader import load_all

    store = Store.from_url(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    store.upgrade()
    service = ConversationService(store=store, flows=load_all(), org=load_config(None), chat=RecordingChat())
    service.bootstrap()
    holder = [service, new_case(service, "sanne")]
    yield holder
    store.dispose()


def _initial(element: dict) -> Any:
    """The value an element shows preselected (Slack reports it as the state when left untouched)."""
    if "initial_option" in element:
        return element["initial_option"]["value"]
    if "initial_options" in element:
        return [o["value"] for o in element["initial_options"]]
    for key in ("initial_value", "initial_date", "initial_date_time"):
        if key in element:
            return element[key]
    return None
