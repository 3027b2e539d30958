"""The Slack listeners on their own: module-level functions given Bolt's arguments (a Mock(Ack), a Mock client,
a context holding the port), as the bolt-python starter template tests them. Each acks once, calls the port
once with what the payload says, and shows the reply in a modal, never in a conversation."""

from __future__ import annotations

from unittest.mock import Mock

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.messages import Message, Reply
from bot.slack.ids import VALUE, ActionId, CallbackId
from bot.slack.listeners import actions, submissions
from bot.slack.listeners.common import PORT
from bot.texts import Texts


class FakePort:
    """Answers every call with a fixed reply and remembers what it was asked."""

    texts = Texts()

    def __init__(self, reply: Reply):
        self.reply, self.calls = reply, []

    def __getattr__(self, name):
        def call(*args, **kwargs):
            self.calls.append((name, args))
            return self.reply

        return call


def context_with(port: FakePort) -> BoltContext:
    context = BoltContext()
    context[PORT] = port
    return context


def test_a_button_acks_asks_the_port_and_opens_a_modal():
    port = FakePort(Reply(messages=[Message("Zaak MC-2026-0001", case_code="MC-2026-0001")]))
    ack, client = Mock(Ack), Mock(WebClient)
    body = {"user": {"id": "U1"}, "trigger_id": "T1"}
    actions.open_case(ack, body, {"value": "MC-2026-0001"}, client, context_with(port))
    ack.assert_called_once_with()
    assert port.calls == [("show_case", ("U1", "MC-2026-0001"))]
    view = client.views_open.call_args.kwargs["view"]
    assert client.views_open.call_args.kwargs["trigger_id"] == "T1" and view["type"] == "modal"
    assert "MC-2026-0001" in str(view)
    client.chat_postMessage.assert_not_called()


def test_a_reminder_button_passes_its_reference():
    port = FakePort(Reply(messages=[Message("Uitgesteld")]))
    ack, client = Mock(Ack), Mock(WebClient)
    actions.snooze_week(
        ack, {"user": {"id": "U1"}, "trigger_id": "T"}, {"value": "MC-2026-0001:42"}, client, context_with(port)
    )
    assert port.calls == [("snooze", ("U1", 42, 7))]


def test_a_submission_with_field_errors_keeps_the_modal_and_marks_the_field():
    port = FakePort(Reply(errors={"text": "Vul dit in."}, ok=False))
    ack = Mock(Ack)
    view = {
        "private_metadata": '{"case": "MC-2026-0001", "node": "step1.signal"}',
        "state": {"values": {}},
        "blocks": [],
    }
    submissions.answer(ack, {"user": {"id": "U1"}}, view, context_with(port))
    assert port.calls[0][0] == "answer" and port.calls[0][1][:3] == ("U1", "MC-2026-0001", "step1.signal")
    assert ack.call_args.kwargs["response_action"] == "errors"


def test_register_wires_every_button_and_modal_of_the_tables():
    app = Mock(App)
    actions.register(app)
    submissions.register(app)
    # Every button of the table, and the inputs whose choice shows or hides other fields (dispatch_action).
    assert {c.args[0] for c in app.action.call_args_list} == {a.value for a in actions.ACTIONS} | {VALUE, actions.LINKS}
    assert {c.args[0] for c in app.view.call_args_list} == {c.value for c in submissions.SUBMISSIONS}
    assert set(actions.ACTIONS) <= set(ActionId) and set(submissions.SUBMISSIONS) <= set(CallbackId)
