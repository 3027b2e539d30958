"""Structured logs for operators (issue "scale"): JSON lines a collector can read; errors by type only."""

from __future__ import annotations

import json
import logging

from bot.logs import JsonLines


def test_a_log_line_is_one_json_object_and_an_exception_gives_only_its_type():
    try:
        raise ValueError("KANARIE-in-een-exceptie")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "meldcode", logging.ERROR, __file__, 1, "pass failed: %s", ("ValueError",), sys.exc_info()
        )
    line = JsonLines().format(record)
    entry = json.loads(line)
    assert (
        entry["level"] == "ERROR" and entry["message"] == "pass failed: ValueError" and entry["error"] == "ValueError"
    )
    assert "KANARIE" not in line and "\n" not in line


# ---- hardening: no typed text in any log -------------------------------------------------------------------
import pytest  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bot.logs import configure  # noqa: E402
from storage import crypto  # noqa: E402
from tests.bot.dialog import Dialog  # noqa: E402

CANARY = "KANARIE-log-7f3"
TO_KINDCHECK = [
    ("sanne", "open", None, None),
    ("sanne", "triage.scope", {"scope": "domestic"}, None),
    ("sanne", "triage.forms", {"forms": ["psychisch"], "age": "9"}, None),
]


@pytest.fixture
def operator_log():
    """The log as an operator configures it, at its most talkative (DEBUG), captured as it is written."""
    import io

    configure("DEBUG")
    written = io.StringIO()
    logging.getLogger().handlers[0].setStream(written)  # the configured handler and format, into a buffer
    yield written.getvalue
    configure("WARNING")


def _stored(service, code: str) -> int:
    from storage import cases as case_repo

    with service.store.transaction() as s:
        case = case_repo.get_case(s, org_id=1, code=code)
        return len(case_repo.answers(s, case_id=case.id))


def test_a_lone_surrogate_in_typed_text_is_refused_on_its_field_and_never_logged(service, chat, operator_log):
    d = Dialog(service, chat)
    d.play(TO_KINDCHECK)
    before = _stored(service, d.code)
    reply = d.do("sanne", "triage.kindcheck", {"siblings": "ja", "siblings_note": f"{CANARY}\ud800"})
    assert not reply.ok and "stuurtekens" in reply.errors["siblings_note"]  # not "the database is unreachable"
    assert "database" not in reply.text()
    assert _stored(service, d.code) == before  # nothing changed
    assert CANARY not in operator_log()


def test_an_object_where_text_or_an_id_belongs_is_refused_and_never_logged(service, chat, operator_log):
    d = Dialog(service, chat)
    d.play(TO_KINDCHECK)
    reply = d.do("sanne", "triage.kindcheck", {"siblings": "ja", "siblings_note": {"x": CANARY}})
    assert reply.errors == {"siblings_note": "Vul hier tekst in."}
    refused = service.answer({"x": CANARY}, d.code, "triage.kindcheck", {"siblings": "nee"})
    assert not refused.ok and "Ik ken je nog niet" in refused.text()
    signal = service.add_entry("sanne", d.code, "signal", {"kind": "fact", "text": ["lijst", CANARY]})
    assert "text" in signal.errors
    assert CANARY not in operator_log() and "{'x'" not in operator_log()


def test_oversized_text_is_refused_with_its_limit_and_never_logged(service, chat, operator_log):
    d = Dialog(service, chat)
    d.play(TO_KINDCHECK)
    reply = d.do("sanne", "triage.kindcheck", {"siblings": "ja", "siblings_note": CANARY * 20_000})
    assert "maximaal 3000 tekens" in reply.errors["siblings_note"]
    assert CANARY not in operator_log()


def test_a_database_error_mid_statement_is_logged_by_type_and_reference_only(service, chat, operator_log):
    """The statement's parameters (here the typed case code) stay out of the log; the user gets a reference."""

    def fail(conn, cursor, statement, parameters, context, executemany):
        if CANARY.upper() in str(parameters):  # case codes are looked up in capitals
            raise conn.dialect.dbapi.IntegrityError("disk full")  # what the driver raises mid-statement

    event.listen(service.store.engine, "before_cursor_execute", fail)
    try:
        reply = service.show_case("sanne", f"MC-{CANARY}")
    finally:
        event.remove(service.store.engine, "before_cursor_execute", fail)
    log = operator_log()
    assert not reply.ok and "Er ging iets mis bij het opslaan" in reply.text()
    reference = reply.text().rsplit(" ", 1)[-1].rstrip(".")
    assert f"database error in show_case: IntegrityError (reference {reference})" in log
    assert CANARY.upper() not in log and "parameters" not in log


def test_sealing_that_fails_in_the_bind_step_leaks_nothing(service, chat, operator_log, monkeypatch):
    """The mechanism of the original leak: an error raised while binding carried the plaintext in its message."""
    d = Dialog(service, chat)
    d.play(TO_KINDCHECK)
    ring = crypto.active()

    def broken(plaintext: str, aad: str) -> str:
        raise ValueError("cannot seal")

    monkeypatch.setattr(ring, "encrypt", broken)
    reply = d.do("sanne", "triage.kindcheck", {"siblings": "ja", "siblings_note": f"zus {CANARY}"})
    monkeypatch.undo()
    log = operator_log()
    assert not reply.ok and "niets veranderd" in reply.text()
    assert "StatementError" in log and CANARY not in log
