"""The baseline: a bare Bolt app that acks and opens a one-field modal, served exactly like the bot."""

from __future__ import annotations

import os

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

app = App(
    client=WebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
)

MODAL = {
    "type": "modal",
    "callback_id": "bare",
    "title": {"type": "plain_text", "text": "Bare"},
    "submit": {"type": "plain_text", "text": "OK"},
    "blocks": [
        {
            "type": "input",
            "block_id": "f:x",
            "label": {"type": "plain_text", "text": "x"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


@app.command("/meldcode")
def command(ack, command, client):
    ack()
    client.views_open(trigger_id=command["trigger_id"], view=MODAL)


@app.view("mc_answer")
def submit(ack):
    ack(response_action="update", view=MODAL)


def wsgi(bolt: App):
    """A Bolt app as gunicorn serves it, with the /healthz the benchmark waits for."""
    slack = SlackRequestHandler(bolt)

    def application(environ, start_response):
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        return slack(environ, start_response)

    return application


application = wsgi(app)
