"""operate: what an IT admin meets when installing and upgrading: a database is only ever created on purpose,
never beside the real one by a command started in the wrong folder; one newer than the code is refused."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine

from storage.db import head_revision, history
from tests.console.test_console import run

HEAD = head_revision(create_engine("sqlite://"))
BEFORE = history(create_engine("sqlite://"))[-2][0]  # the revision of the release before


def test_operate_db_upgrade_says_created_on_the_first_run_and_up_to_date_on_the_next(tmp_path):
    first = run(["db", "upgrade"], tmp_path)
    assert first.returncode == 0 and first.stdout.startswith("created the database schema in ")
    assert str(tmp_path / "data" / "meldcode.db") in first.stdout
    again = run(["db", "upgrade"], tmp_path)
    assert again.returncode == 0 and again.stdout.startswith("database schema is up to date (revision ")
    current = run(["db", "current"], tmp_path)
    assert current.returncode == 0 and current.stdout.strip().endswith("(up to date)")
    listed = run(["db", "history"], tmp_path).stdout.splitlines()
    assert listed[0].startswith("0001 ") and "(current)" in listed[-1] and listed[-1].startswith(HEAD)


@pytest.mark.parametrize(
    "command",
    [
        ["serve"],
        ["stats", "--from", "1-1-2026", "--to", "31-12-2026"],
        ["reminders", "list"],
        ["report", "--year", "2026", "--out", "r.pdf"],
        ["audit", "verify"],
    ],
)
def test_operate_a_command_started_elsewhere_never_begins_a_new_empty_database(tmp_path, command):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s" * 32} if command == ["serve"] else {}
    result = run(command, tmp_path, env=env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if "no MELDCODE_CONFIG" not in line]
    assert lines == [
        f"meldcode: no database at {tmp_path / 'data' / 'meldcode.db'}: `meldcode db upgrade` creates one "
        "(so does `meldcode console`); if it is elsewhere, set MELDCODE_DATA_DIR or DATABASE_URL"
    ]
    assert not (tmp_path / "data").exists()  # no database, no key file: nothing was begun


def test_operate_serve_refuses_a_database_that_is_not_migrated_and_db_current_says_so(tmp_path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "meldcode.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (BEFORE,))  # as the release before left it
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s" * 32}
    served = run(["serve"], tmp_path, env=env)
    assert served.returncode == 1 and f"is at revision {BEFORE}, this release needs {HEAD}" in served.stderr
    assert "back it up, then run `meldcode db upgrade`" in served.stderr
    assert "run `meldcode db upgrade`" in run(["db", "current"], tmp_path).stdout


def test_operate_a_database_newer_than_the_code_is_refused_by_every_command(tmp_path):
    assert run(["db", "upgrade"], tmp_path).returncode == 0
    with sqlite3.connect(tmp_path / "data" / "meldcode.db") as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0042'")  # migrated by a later release
    for command in (["console"], ["db", "upgrade"], ["stats", "--from", "1-1-2026", "--to", "31-12-2026"]):
        result = run(command, tmp_path, "/stop\n")
        assert result.returncode == 1, command
        assert f"is at schema revision 0042, newer than this meldcode knows (up to {HEAD})" in result.stderr
        assert "Traceback" not in result.stderr
    assert "newer than this release" in run(["db", "current"], tmp_path).stdout
