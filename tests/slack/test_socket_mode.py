"""operate: Socket Mode as a first-class mode. `meldcode serve --socket-mode` connects to the websocket that
apps.connections.open names (here a local websocket server standing in for Slack's), answers a case's first
screens over it, and serves /healthz beside it (no /slack/events)."""

from __future__ import annotations

import json
import queue
import threading
import urllib.error
import urllib.request
import uuid

from websockets.sync.server import serve

from tests.slack.conftest import USERS, Response, SlackServer, _free_port, start_server

TRIAGE = {  # the triage as one screen (tests.slack.test_moment)
    "scope": "domestic",
    "triage.forms/forms": ["lichamelijk"],
    "triage.forms/age": 9,
    "triage.kindcheck/siblings": "nee",
}


class SocketSlack(SlackServer):
    """The same client as over HTTP, but every request an envelope over the websocket; the ack's payload is
    the response (as Slack relays it)."""

    def __init__(self, base: SlackServer, connection, acks: queue.Queue):
        super().__init__(base.url, base.standin, base.process, base.log_path, base.db_url)
        self.connection, self.acks = connection, acks

    def _send(self, kind: str, payload: dict) -> Response:
        envelope = str(uuid.uuid4())
        self.connection.send(
            json.dumps({"envelope_id": envelope, "type": kind, "payload": payload, "accepts_response_payload": True})
        )
        while True:
            ack = self.acks.get(timeout=15)
            if ack.get("envelope_id") == envelope:
                return Response(200, json.dumps(ack.get("payload") or {}))

    def interaction(self, payload: dict, **kw) -> Response:
        return self._send("interactive", payload)

    def command(self, user: str, text: str, **kw) -> Response:
        payload = {"command": "/meldcode", "text": text, "user_id": USERS.get(user, user), "team_id": self.team}
        payload |= {"trigger_id": f"trig-{uuid.uuid4().hex}", "channel_id": "C0PUBLIC"}
        return self._send("slash_commands", payload)


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, {}


def test_operate_socket_mode_opens_a_case_over_the_websocket_and_serves_healthz(tmp_path, standin, db_url):
    connected: queue.Queue = queue.Queue()
    acks: queue.Queue = queue.Queue()

    def slack_side(connection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1}))
        connected.put(connection)
        for message in connection:
            acks.put(json.loads(message))

    port = _free_port()
    with serve(slack_side, "127.0.0.1", port) as websocket_server:
        threading.Thread(target=websocket_server.serve_forever, daemon=True).start()
        standin.socket_url = f"ws://127.0.0.1:{port}/link"
        server = start_server(
            tmp_path,
            db_url,
            standin,
            env_overrides={"SLACK_APP_TOKEN": "xapp-1-test", "SLACK_SIGNING_SECRET": None},
            extra_args=["--socket-mode"],
        )
        try:
            slack = SocketSlack(server, connected.get(timeout=20), acks)
            assert standin.of("apps.connections.open")  # asked Slack where to connect, with the app token
            status, health = get(server.url + "/healthz")
            assert status == 200 and health == {"ok": True, "database": True, "scheduler": True, "socket": True}
            assert get(server.url + "/slack/events")[0] == 404  # nothing of Slack's comes over HTTP here
            standin.clear()
            assert slack.command("sanne", "nieuw").status == 200
            first = standin.wait_for("views.open")[0]["view"]
            second = slack.submit("sanne", first, TRIAGE).json()["view"]  # the triage, as one screen
            assert "MC-" in json.dumps(second)  # the case has its code: it is open
            with server.store().engine.connect() as conn:
                from sqlalchemy import text

                assert conn.execute(text("SELECT count(*) FROM cases")).scalar() == 1
        finally:
            server.process.terminate()
            server.process.wait(timeout=10)
