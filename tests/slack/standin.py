"""A local stand-in for Slack's Web API: answers like Slack, records every call, can fail on purpose."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class Standin:
    calls: list[Call] = field(default_factory=list)
    ever: list[Call] = field(default_factory=list)  # every call since the start (`clear` leaves it)
    fail_next: list[int] = field(default_factory=list)  # HTTP statuses to answer before succeeding
    chaos: float = 0.0  # the share of calls answered at random with 429, 500 or 503
    chaos_answers: int = 0
    random: Any = field(default_factory=lambda: __import__("random").Random(7))
    CHAOS_METHODS = frozenset({"chat.postMessage", "conversations.open", "files.completeUploadExternal"})
    per_channel_interval: float = 0.0  # like Slack: posting to one channel faster than this gets a 429
    last_post: dict[str, float] = field(default_factory=dict)
    rate_limited: int = 0
    uploads: dict[str, bytes] = field(default_factory=dict)  # file id -> bytes uploaded
    opened: dict[str, dict[str, Any]] = field(default_factory=dict)  # trigger id -> its views.open call
    locales: dict[str, str] = field(default_factory=dict)  # user id -> Slack locale (default nl-NL)
    installs: dict[str, str] = field(default_factory=dict)  # OAuth code -> the team that installs with it
    tokens: dict[str, str] = field(default_factory=dict)  # team -> its current bot token
    refresh: dict[str, str] = field(default_factory=dict)  # team -> its current refresh token
    generation: dict[str, int] = field(default_factory=dict)
    expires_in: int = 43200  # seconds a bot token lives (token rotation)
    revoked: set[str] = field(default_factory=set)  # tokens Slack no longer accepts (invalid_auth)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    socket_url: str | None = None  # what apps.connections.open answers (Socket Mode tests)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/"

    def of(self, method: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c.params for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.of(method)
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"expected {count} call(s) to {method}, got {len(self.of(method))}")

    def wait_until(self, method: str, predicate, timeout: float = 10.0) -> dict[str, Any]:
        """The first call to `method` whose parameters satisfy `predicate`, waiting for it to arrive."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for params in self.of(method):
                if predicate(params):
                    return params
            time.sleep(0.02)
        raise AssertionError(f"no call to {method} matched within {timeout} s")

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()
            self.opened.clear()

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "X")).upper()}}
        if method == "chat.postMessage":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("_ts") or f"{time.time():.6f}"}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method.startswith("views."):
            return {"ok": True, "view": {"id": "V123", "hash": "h1"}}
        if method == "_stats":  # for benchmarks running the stand-in in another process
            posts = [c.params for c in self.calls if c.method == "chat.postMessage"]
            refs = {
                e.get("value")
                for p in posts
                for b in p.get("blocks") or []
                if b.get("type") == "actions"
                for e in b.get("elements", [])
                if e.get("action_id") == "mc_reminder_done"
            }
            return {"ok": True, "posts": len(posts), "distinct": len(refs), "rate_limited": self.rate_limited}
        if method == "files.getUploadURLExternal":
            file_id = f"F{len(self.calls)}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}_upload/{file_id}"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": f["id"]} for f in json.loads(params.get("files") or "[]")]}
        if method == "users.info":
            user = str(params.get("user", ""))
            return {"ok": True, "user": {"id": user, "locale": self.locales.get(user, "nl-NL")}}
        if method == "oauth.v2.access":
            return self._oauth(params)
        if method == "apps.connections.open":  # Socket Mode: the websocket to connect to (a test's own server)
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False, "error": "no_socket"}
        if method == "auth.test":
            if params.get("_token") in self.revoked:
                return {"ok": False, "error": "invalid_auth"}
            team = next((t for t, token in self.tokens.items() if token == params.get("_token")), "T1")
            return {"ok": True, "user_id": "UBOT", "team_id": team, "bot_id": "B" + team}
        return {"ok": True}

    def _oauth(self, params: dict[str, Any]) -> dict[str, Any]:
        """An installation (code from /slack/oauth_redirect) or a token rotation (grant_type=refresh_token)."""
        if params.get("grant_type") == "refresh_token":
            team = next((t for t, r in self.refresh.items() if r == params.get("refresh_token")), None)
            if team is None:
                return {"ok": False, "error": "invalid_refresh_token"}
        else:
            team = self.installs.get(str(params.get("code")))
            if team is None:
                return {"ok": False, "error": "invalid_code"}
        self.generation[team] = self.generation.get(team, 0) + 1
        n = self.generation[team]
        self.tokens[team], self.refresh[team] = f"xoxb-{team}-{n}", f"xoxe-{team}-{n}"
        return {
            "ok": True,
            "access_token": self.tokens[team],
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": "UBOT" + team,
            "app_id": "A1",
            "team": {"id": team, "name": f"SWV {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": f"U{team}ADMIN"},
            "refresh_token": self.refresh[team],
            "expires_in": self.expires_in,
        }

    def start(self) -> Standin:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                if "/_upload/" in self.path:  # the file itself, POSTed raw to the URL handed out above
                    data = self.rfile.read(length)
                    with standin.lock:
                        standin.uploads[self.path.rsplit("/", 1)[-1]] = data
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                raw = self.rfile.read(length).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in parse_qs(raw).items()}
                for key in ("view", "blocks"):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                auth = self.headers.get("Authorization") or ""
                if auth.startswith("Bearer "):
                    params["_token"] = auth[len("Bearer ") :]  # which workspace's token the call carried
                method = self.path.rsplit("/", 1)[-1]
                with standin.lock:
                    status = standin.fail_next.pop(0) if standin.fail_next else 200
                    if (
                        status == 200
                        and standin.chaos
                        and method in standin.CHAOS_METHODS
                        and standin.random.random() < standin.chaos
                    ):
                        status = standin.random.choice((429, 500, 503))  # Slack having a bad moment
                        standin.chaos_answers += 1
                    if status == 200 and method == "chat.postMessage" and standin.per_channel_interval:
                        channel, moment = str(params.get("channel")), time.monotonic()
                        if moment - standin.last_post.get(channel, -1e9) < standin.per_channel_interval:
                            status = 429
                            standin.rate_limited += 1
                        else:
                            standin.last_post[channel] = moment
                    if status == 200:
                        if method == "chat.postMessage":
                            params["_ts"] = f"{1_700_000_000 + len(standin.ever)}.000100"  # each post its own ts
                        standin.calls.append(Call(method, params))
                        standin.ever.append(Call(method, params))
                        if method == "views.open" and params.get("trigger_id"):
                            standin.opened[str(params["trigger_id"])] = params  # found without a scan
                if status == 429:
                    self.send_response(429)
                    self.send_header("Retry-After", "0")
                    self.send_header("Content-Type", "application/json")
                    self.end_headers()
                    self.wfile.write(b'{"ok": false, "error": "ratelimited"}')
                    return
                if status != 200:
                    self.send_response(status)
                    self.end_headers()
                    return
                body = json.dumps(standin.answer(method, params)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # http.server's default backlog of 5 resets connections under load
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
