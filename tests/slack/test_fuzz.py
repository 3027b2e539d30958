"""Fuzzing: whatever arrives, signed or not, nothing returns a 500 or a traceback, nothing is half-written,
and no typed text reaches the logs."""

from __future__ import annotations

import io
import json
import logging
import time
import urllib.parse

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from slack_sdk.signature import SignatureVerifier

from bot.settings import Settings
from bot.slack.app import build_app
from bot.slack.ids import ActionId, CallbackId
from bot.slack.server import make_wsgi
from storage import cases as case_repo
from tests.bot.dialog import new_case
from tests.slack.conftest import SECRET

NASTY = st.sampled_from(
    [
        "'; DROP TABLE answers; --",
        "<script>alert(1)</script>",
        "{{ 7*7 }}",
        "${jndi:x}",
        "\u0000",
        "MC-2026-0001",
        "MC-9999-9999",
        "../../etc/passwd",
        "x" * 5000,
        "",
        " ",
        "<@U123>",
        "&lt;",
        "🙂" * 100,
    ]
)
TEXT = st.one_of(NASTY, st.text(max_size=60)).map(lambda s: "FZ" + s)
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), TEXT)
JSONISH = st.recursive(
    SCALAR,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=10), kids, max_size=4)),
    max_leaves=12,
)


def call_wsgi(application, body: str, *, sign: bool = True) -> tuple[int, str]:
    """A request through the same WSGI application gunicorn serves (without the network)."""
    ts = str(int(time.time()))
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body.encode())),
        "wsgi.input": io.BytesIO(body.encode()),
        "wsgi.url_scheme": "http",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "3000",
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
        "HTTP_X_SLACK_SIGNATURE": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)
        if sign
        else "v0=00",
    }
    status: list[str] = []
    chunks = application(environ, lambda s, headers, exc_info=None: status.append(s))
    return int(status[0].split()[0]), b"".join(chunks).decode(errors="replace")


def payload_strategy(code: str):
    values = st.dictionaries(
        st.sampled_from(["f:scope", "f:text", "f:forms", "f:x", "g:y"]),
        st.dictionaries(st.just("value"), JSONISH, max_size=1),
        max_size=4,
    )
    view = st.fixed_dictionaries(
        {
            "id": st.just("V1"),
            "type": st.just("modal"),
            "callback_id": st.sampled_from([c.value for c in CallbackId] + ["nope"]),
            "private_metadata": st.one_of(
                TEXT, st.just(json.dumps({"case": code, "node": "triage.scope"})), JSONISH.map(json.dumps)
            ),
            "state": st.fixed_dictionaries({"values": values}),
        }
    )
    action = st.fixed_dictionaries(
        {
            "action_id": st.sampled_from([a.value for a in ActionId] + ["zz"]),
            "value": st.one_of(TEXT, st.just(code), st.just(f"{code}:1")),
        }
    )
    user = st.fixed_dictionaries({"id": st.sampled_from(["tom", "sanne", "nobody", "FZ"])})
    return st.one_of(
        st.fixed_dictionaries({"type": st.just("view_submission"), "user": user, "view": view}),
        st.fixed_dictionaries(
            {
                "type": st.just("block_actions"),
                "user": user,
                "trigger_id": st.just("t"),
                "actions": st.lists(action, min_size=1, max_size=2),
            }
        ),
        st.fixed_dictionaries(
            {
                "type": st.sampled_from(["shortcut", "message_action", "weird"]),
                "user": user,
                "callback_id": TEXT,
                "trigger_id": st.just("t"),
            }
        ),
        JSONISH,
    )


def test_fuzzed_slack_payloads_never_500_never_leak_and_change_nothing(service, standin, caplog):
    settings_ = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": standin.url}
    )
    application = make_wsgi(build_app(settings_, service))
    code = new_case(service, "sanne")

    def count() -> int:
        with service.store.transaction() as s:
            return len(case_repo.answers(s, case_id=case_repo.get_case(s, org_id=1, code=code).id))

    before = count()

    @settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))
    @given(payload=payload_strategy(code), as_command=st.booleans(), text=TEXT, sign=st.booleans())
    def run(payload, as_command, text, sign):
        if as_command:
            body = urllib.parse.urlencode(
                {"command": "/meldcode", "text": text, "user_id": "tom", "trigger_id": "t", "team_id": "T1"}
            )
        else:
            body = urllib.parse.urlencode({"payload": json.dumps(payload)})
        status, answer = call_wsgi(application, body, sign=sign)
        assert status < 500, answer
        assert "Traceback" not in answer
        if not sign:
            assert status in (400, 401)

    with caplog.at_level(logging.DEBUG):
        run()
    assert count() == before  # tom, nobody and garbage never wrote into sanne's case
    assert "FZ" not in caplog.text


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    values=st.dictionaries(
        st.sampled_from(["scope", "description", "directie_informed", "extra", ""]), JSONISH, max_size=4
    )
)
def test_fuzzed_answers_get_a_reply_never_an_exception_and_never_a_partial_write(service_module, values):
    service, code = service_module
    with service.store.transaction() as s:
        case = case_repo.get_case(s, org_id=1, code=code)
        node, before = case.current_node, len(case_repo.answers(s, case_id=case.id))
    reply = service.answer("sanne", code, node, values)
    with service.store.transaction() as s:
        after = len(case_repo.answers(s, case_id=case_repo.get_case(s, org_id=1, code=code).id))
    assert after == before + (1 if reply.ok else 0)
    if not reply.ok:
        assert reply.errors or reply.error
    if reply.ok:  # start again from a fresh case so every example meets the first question
        service_module[1] = new_case(service, "sanne")
