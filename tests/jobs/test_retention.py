"""Retention per outcome: expired closed cases are purged to anonymous counts; open ones never are."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from bot.jobs.retention import expired_cases, purge_expired
from storage import audit as audit_repo
from storage import crypto
from storage import retention as retention_repo
from storage.models import Answer, AuditEntry, Case, Signal
from tests.bot.dialog import Dialog
from tests.bot.scripts import CONSULT_TO_Q1, OPEN_TO_STEP2

UTC = dt.UTC
ROOT = Path(__file__).resolve().parents[2]


def closed_case(service, chat, clock) -> str:
    d = Dialog(service, chat)
    d.play(OPEN_TO_STEP2 + CONSULT_TO_Q1 + [("mila", "step4.q1", {"answer": "a"}, "Gesloten zonder actie")])
    return d.code


def test_closed_cases_are_kept_for_their_term_then_purged_to_counts(service, chat, clock):
    old = closed_case(service, chat, clock)  # closed 2 March 2026
    clock.now = dt.datetime(2026, 6, 1, 9, tzinfo=UTC)
    young = closed_case(service, chat, clock)  # closed 1 June 2026
    still_open = Dialog(service, chat)
    still_open.play([("sanne", "open", None, None), ("sanne", "triage.scope", {"scope": "domestic"}, None)])
    assert expired_cases(service, dt.datetime(2028, 3, 1, tzinfo=UTC)) == []  # 24 months not yet over
    later = dt.datetime(2028, 3, 3, tzinfo=UTC)
    assert [e.code for e in expired_cases(service, later)] == [old]
    assert purge_expired(service, later) == 1
    with service.store.transaction() as s:
        codes = [c.code for c in s.scalars(select(Case))]
        assert old not in codes and young in codes and still_open.code in codes
        assert (
            s.scalar(select(func.count()).select_from(Answer).where(Answer.case_id.not_in(select(Case.id)))) == 0
        )  # no orphaned content
        assert s.scalar(select(func.count()).select_from(Signal).where(Signal.case_id.not_in(select(Case.id)))) == 0
        counts = [(c.year, c.outcome, c.count) for c in retention_repo.counts(s, org_id=1)]
        assert counts == [(2026, "closed_no_action", 1)]
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "purge")) == 1
        assert audit_repo.verify(s, key=crypto.active().audit_key).ok  # the trail survives the purge
    assert "Ik ken geen zaak" in service.show_case("sanne", old).text()


def test_a_melding_is_kept_longer_than_a_case_closed_without_action(service, chat, clock):
    code = closed_case(service, chat, clock)
    with service.store.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET status = 'reported', outcome = 'reported' WHERE code = :c"), {"c": code})
    assert expired_cases(service, dt.datetime(2028, 3, 3, tzinfo=UTC)) == []  # 60 months for meldingen
    assert [e.code for e in expired_cases(service, dt.datetime(2031, 3, 3, tzinfo=UTC))] == [code]


def test_a_reopened_case_is_not_purged(service, chat, clock):
    code = closed_case(service, chat, clock)
    service.reopen("sanne", code)
    assert expired_cases(service, dt.datetime(2030, 1, 1, tzinfo=UTC)) == []


def test_purge_dry_run_shows_and_changes_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MELDCODE_KEYS", "MELDCODE_KEY_FILE")}
    env["MELDCODE_DATA_DIR"] = str(tmp_path / "data")

    def run(*a, **kw):
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *a],
            text=True,
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            **kw,
        )

    session = "/nieuw\n2\nleerkracht duwde\nja\n/stop\n"  # T1: closed at once
    assert run("console", input=session).returncode == 0
    dry = run("purge", "--dry-run", "--now", "2040-01-01T00:00+00:00")
    assert dry.returncode == 0 and "MC-" in dry.stdout and "would be purged" in dry.stdout
    real = run("purge", "--now", "2040-01-01T00:00+00:00")
    assert "purged 1 case(s)" in real.stdout
    assert "0 case(s) would be purged" in run("purge", "--dry-run", "--now", "2040-01-01T00:00+00:00").stdout
