"""SlackChat: DMs only, channels cached, rate limits and server errors retried without duplicates."""

from __future__ import annotations

import json
import time

from slack_bolt import BoltRequest
from slack_sdk.signature import SignatureVerifier

from bot.messages import Message
from bot.settings import Settings
from bot.slack.app import build_app, web_client
from bot.slack.chat import SlackChat
from tests.slack.conftest import SECRET


def _chat(standin) -> SlackChat:
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_API_URL": standin.url})
    return SlackChat(web_client(settings))


def test_a_429_and_a_500_are_retried_and_the_dm_arrives_exactly_once(standin):
    chat = _chat(standin)
    standin.fail_next = [429, 500]  # conversations.open is rate limited once, then Slack errors once
    chat.send_dm(org_key="T1", person_id="UMILA", message=Message("Zaak MC-2026-0001: jij bent aan zet."))
    chat.flush()
    posts = standin.of("chat.postMessage")
    assert len(posts) == 1 and posts[0]["channel"] == "DUMILA"


def test_dm_channels_are_cached(standin):
    chat = _chat(standin)
    for _ in range(3):
        chat.send_dm(org_key="T1", person_id="USANNE", message=Message("x"))
        chat.flush()
    assert len(standin.of("conversations.open")) == 1 and len(standin.of("chat.postMessage")) == 3


def test_nothing_is_posted_where_the_conversation_is_not_a_dm(standin):
    standin.answer = lambda method, params: (
        {"ok": True, "channel": {"id": "C0SHARED"}} if method == "conversations.open" else {"ok": True}
    )
    chat = _chat(standin)
    chat.send_dm(org_key="T1", person_id="USANNE", message=Message("Zaak MC-2026-0001"))
    chat.flush()
    assert standin.of("chat.postMessage") == []


def _submit_first_answer(app, code: str):
    """The first question's modal submitted through Bolt, signed as Slack signs it; returns Bolt's response."""
    view = {
        "id": "V1",
        "type": "modal",
        "callback_id": "mc_answer",
        "private_metadata": json.dumps({"case": code, "node": "triage.scope"}),
        "blocks": [{"type": "input", "block_id": "f:scope"}],
        "state": {
            "values": {"f:scope": {"value": {"type": "radio_buttons", "selected_option": {"value": "domestic"}}}}
        },
    }
    body = "payload=" + json.dumps(
        {"type": "view_submission", "user": {"id": "sanne"}, "team": {"id": "T1"}, "view": view}
    )
    ts = str(int(time.time()))
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [ts],
        "x-slack-signature": [SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body)],
    }
    return app.dispatch(BoltRequest(body=body, headers=headers))


def test_a_database_outage_keeps_the_modal_open_with_what_was_typed(service, standin):
    from storage.db import Store

    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": standin.url}
    )
    app = build_app(settings, service)
    code = ""  # the first answer of a new case: it makes the case
    good = service.store
    service.store = Store.from_url("postgresql+psycopg://postgres@/none?host=/nonexistent&port=1")
    try:
        response = _submit_first_answer(app, code)
    finally:
        service.store.dispose()
        service.store = good
    answer = json.loads(response.body)
    assert response.status == 200 and answer["response_action"] == "errors"
    assert "database is niet bereikbaar" in answer["errors"]["f:scope"]
    assert "Je hebt nog geen zaken" in service.my_cases("sanne").text()  # nothing stored, no empty case


def test_behind_a_hung_transaction_the_modal_stays_open_with_what_was_typed(service, standin):
    from tests.bot.test_concurrency import hung_transaction

    settings = Settings.from_env(
        {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": standin.url}
    )
    app = build_app(settings, service)
    code = ""  # the first answer of a new case: it makes the case
    service.store.wait_seconds = 0.05
    with hung_transaction(service.store):
        response = _submit_first_answer(app, code)
    answer = json.loads(response.body)
    assert response.status == 200 and answer["response_action"] == "errors"
    assert "te druk" in answer["errors"]["f:scope"]
    assert "Je hebt nog geen zaken" in service.my_cases("sanne").text()  # nothing stored, no empty case
