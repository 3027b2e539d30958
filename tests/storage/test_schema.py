"""The schema comes from migrations, matches the models, and protects what must never change."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from storage import cases as case_repo
from storage import organisations as org_repo
from storage.db import ConcurrentChange, Store
from storage.models import Base

NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def _case(store):
    with store.transaction() as s:
        org = org_repo.ensure_organisation(s, key="o", name="O", timezone="Europe/Amsterdam", now=NOW)
        org_repo.sync_people(
            s,
            org_id=org.id,
            absences=[],
            people=[
                dict(
                    external_id="u1",
                    name="A",
                    staff_role="trajectbegeleider",
                    is_af=False,
                    is_deputy=False,
                    is_board=False,
                    is_admin=False,
                )
            ],
        )
        person = org_repo.get_person(s, org_id=org.id, external_id="u1")
        case = case_repo.create_case(
            s,
            org_id=org.id,
            owner_id=person.id,
            flow_id="meldcode",
            flow_version=1,
            start_node="triage.scope",
            now=NOW,
            year=2026,
        )
        answer_id = case_repo.add_answer(
            s,
            case=case,
            node_id="triage.scope",
            values={"scope": "domestic"},
            actor_id=person.id,
            actor_role="staff",
            now=NOW,
        )
        return case.id, answer_id


def all_tables():
    """Our models, and the Slack installation tables whose shape slack_sdk defines."""
    from sqlalchemy import MetaData

    from storage.slack_installations import slack_tables

    metadata = MetaData()
    for table in Base.metadata.tables.values():
        table.to_metadata(metadata)
    slack_tables(metadata)
    return metadata


def test_migrations_build_exactly_the_schema_the_models_describe(store):
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), all_tables())
    assert diff == []
    assert store.is_current()


def test_answers_are_append_only_in_the_database_itself(store):
    case_id, answer_id = _case(store)
    with pytest.raises(Exception) as info, store.transaction() as s:
        s.execute(text("UPDATE answers SET node_id = 'x' WHERE id = :id"), {"id": answer_id})
    assert "append-only" in str(info.value)
    with store.transaction() as s:
        assert case_repo.answers(s, case_id=case_id)[0].node_id == "triage.scope"


def test_a_case_moved_meanwhile_is_not_overwritten(store):
    """Two people answer the same step at once: the second move sees the first and is refused, not lost."""
    _case_id, _ = _case(store)
    with store.transaction() as s:
        stale = case_repo.get_case(s, org_id=1, code="MC-2026-0001")
    with store.transaction() as s:
        fresh = case_repo.get_case(s, org_id=1, code="MC-2026-0001")
        case_repo.move_case(s, case=fresh, node="triage.urgency", outcome=None, status="open", flags=["a"], now=NOW)
    with pytest.raises(ConcurrentChange), store.transaction() as s:
        s.add(stale)
        case_repo.move_case(s, case=stale, node="triage.other", outcome=None, status="open", flags=[], now=NOW)
    with store.transaction() as s:
        case = case_repo.get_case(s, org_id=1, code="MC-2026-0001")
        assert (case.current_node, case.flags, case.version) == ("triage.urgency", ["a"], 2)
        case_repo.move_case(s, case=case, node=None, outcome="help", status="closed", flags=[], now=NOW, round=2)
        assert (case.version, case.closed_at, case.round) == (3, NOW, 2)
    with store.transaction() as s:
        case = case_repo.get_case(s, org_id=1, code="MC-2026-0001")
        assert (case.current_node, case.outcome, case.status, case.version, case.round) == (
            None,
            "help",
            "closed",
            3,
            2,
        )


def test_timestamps_come_back_in_utc(store):
    case_id, _ = _case(store)
    with store.transaction() as s:
        answer = case_repo.answers(s, case_id=case_id)[0]
    assert answer.created_at == NOW and answer.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(store):
    with pytest.raises(Exception, match="naive"), store.transaction() as s:
        org_repo.ensure_organisation(s, key="n", name="N", timezone="UTC", now=dt.datetime(2026, 1, 1))


def test_the_embedded_sqlite_keeps_the_last_commits_through_a_power_loss(tmp_path):
    store = Store.from_url(f"sqlite:///{tmp_path / 'x.db'}")
    store.upgrade()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    store.dispose()
    assert sqlite3.connect(tmp_path / "x.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.postgres
def test_two_first_cases_of_a_year_opened_at_once_both_get_a_number(postgres_url):
    """Two staff members open the year's first case at the same moment: one waits for the other, neither fails.
    Their requests reach two server processes (one process runs its transactions one after the other)."""
    import threading

    store, other_process = Store.from_url(postgres_url), Store.from_url(postgres_url)
    store.upgrade()
    try:
        _case(store)  # an organisation and a person; 2026 has a counter, 2027 not yet
        codes, errors = [], []
        first_counted, first_may_commit = threading.Event(), threading.Event()

        def first() -> None:
            with store.transaction() as s:
                codes.append(case_repo.next_case_code(s, org_id=1, year=2027))
                first_counted.set()
                first_may_commit.wait(timeout=30)

        def second() -> None:
            try:
                with other_process.transaction() as s:
                    codes.append(case_repo.next_case_code(s, org_id=1, year=2027))
            except Exception as exc:  # the failure this test guards against
                errors.append(type(exc).__name__)

        a = threading.Thread(target=first)
        a.start()
        assert first_counted.wait(timeout=30)
        b = threading.Thread(target=second)
        b.start()
        with store.engine.connect() as conn:  # until the second waits on the first's new counter row
            deadline = time.monotonic() + 30
            while not conn.exec_driver_sql("SELECT count(*) FROM pg_locks WHERE NOT granted").scalar():
                assert time.monotonic() < deadline
                conn.rollback()
        first_may_commit.set()
        a.join(timeout=30)
        b.join(timeout=30)
        assert errors == [] and sorted(codes) == ["MC-2027-0001", "MC-2027-0002"]
    finally:
        store.dispose()
        other_process.dispose()


def test_c7_counts_purged_before_the_yearly_report_are_carried_into_its_yearly_counts(db_url):
    """Migration 0017: what purged_counts kept (per year closed and outcome) becomes cases and routes per year."""
    from sqlalchemy import text

    from storage.db import Store, upgrade

    store = Store.from_url(db_url)
    try:
        upgrade(store.engine, "0016")
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO organisations (id, key, name, timezone, created_at, flow_id, people_version) "
                    "VALUES (1, 'demo', 'x', 'Europe/Amsterdam', '2024-01-01 00:00:00.000000', 'meldcode', 0)"
                )
            )
            for outcome, count in (("reported", 6), ("closed_no_action", 2), ("help_closed", 1)):
                conn.execute(
                    text("INSERT INTO purged_counts (org_id, year, outcome, count) VALUES (1, 2024, :o, :n)"),
                    {"o": outcome, "n": count},
                )
        store.upgrade()
        with store.engine.connect() as conn:
            rows = conn.execute(text("SELECT metric, label, count FROM year_counts ORDER BY metric, label")).all()
        assert [tuple(r) for r in rows] == [
            ("cases", "opened", 9),
            ("route", "closed_no_action", 2),
            ("route", "help", 1),
            ("route", "melding", 6),
        ]
    finally:
        store.dispose()
