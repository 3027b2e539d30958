"""The conventional peer: a Bolt app that stores each interaction the usual way, served exactly like the bot.

SQLAlchemy's ORM, one transaction per submission with a case row, an answer row and an audit row; the bot's
SQLite settings (WAL, synchronous=FULL, BEGIN IMMEDIATE) or the same PostgreSQL; no encryption, no audit chain,
no outbox. The command opens a modal the size of the bot's first screen; a submission answers with one the size
of its second. What it does not do is what the bot's figures pay for.
"""

from __future__ import annotations

import datetime as dt
import json
import os

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import JSON, ForeignKey, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from benchmarks.bare_app import wsgi


class Base(DeclarativeBase):
    pass


class Case(Base):
    __tablename__ = "peer_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    node: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime]


class Answer(Base):
    __tablename__ = "peer_answers"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("peer_cases.id"))
    node: Mapped[str] = mapped_column(String(60))
    values: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime]


class Audit(Base):
    __tablename__ = "peer_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40))
    case_id: Mapped[int | None]
    at: Mapped[dt.datetime]


def _engine(url: str):
    if not url.startswith("sqlite"):
        return create_engine(url, pool_size=40, max_overflow=20)
    engine = create_engine(url, connect_args={"timeout": 30}, pool_use_lifo=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE")

    return engine


ENGINE = _engine(os.environ["PEER_DATABASE_URL"])
Base.metadata.create_all(ENGINE)


def _radio(block_id: str, n: int) -> dict:
    options = [{"text": {"type": "plain_text", "text": f"Keuze {i}"}, "value": str(i)} for i in range(n)]
    return {
        "type": "input",
        "block_id": block_id,
        "dispatch_action": True,
        "label": {"type": "plain_text", "text": "Een vraag van de meldcode?"},
        "element": {"type": "radio_buttons", "action_id": "value", "options": options},
    }


def _text(block_id: str) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": "Beschrijf het zo feitelijk mogelijk"},
        "element": {"type": "plain_text_input", "action_id": "value", "multiline": True, "max_length": 3000},
    }


def _modal(inputs: list[dict]) -> dict:
    note = {"type": "section", "text": {"type": "plain_text", "text": "Zaak geopend. " * 8}}
    safety = {"type": "context", "elements": [{"type": "plain_text", "text": "Acuut gevaar? Bel 112."}]}
    return {
        "type": "modal",
        "callback_id": "mc_answer",
        "title": {"type": "plain_text", "text": "Nieuwe zaak"},
        "submit": {"type": "plain_text", "text": "Opslaan"},
        "close": {"type": "plain_text", "text": "Annuleren"},
        "private_metadata": json.dumps({"case": "", "node": "start"}),
        "blocks": [note, {"type": "header", "text": {"type": "plain_text", "text": "Een vraag"}}, *inputs, safety],
    }


FIRST = _modal([_radio("f:scope", 3)])
SECOND = _modal([_radio("f:kind", 6), _text("f:text"), _radio("f:request/now", 2), _radio("f:request/urgency", 3)])

app = App(
    client=WebClient(token="xoxb-bench", base_url=os.environ["SLACK_API_URL"]),
    signing_secret=os.environ["SLACK_SIGNING_SECRET"],
    token_verification_enabled=False,
)


@app.command("/meldcode")
def command(ack, command, client):
    ack()
    client.views_open(trigger_id=command["trigger_id"], view=FIRST)


@app.view("mc_answer")
def submit(ack, body, view):
    now = dt.datetime.now(dt.UTC)
    values = {k: v.get("value") for k, v in (view.get("state") or {}).get("values", {}).items()}
    with Session(ENGINE) as session, session.begin():
        case = Case(owner=body["user"]["id"], node="step1.signal", created_at=now)
        session.add(case)
        session.flush()
        session.add(Answer(case_id=case.id, node="step1.signal", values=values, created_at=now))
        session.add(Audit(actor=body["user"]["id"], action="answer", case_id=case.id, at=now))
    ack(response_action="update", view=SECOND)


application = wsgi(app)
