"""operate: backup and restore. A backup taken while the bot writes is one consistent moment; restored
elsewhere, every case, answer and audit entry of that moment is there, identical; the wrong keys are refused
before anything is left behind; the audit witness does not read the restore as a truncation."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.chat import RecordingChat
from bot.settings import Settings
from bot.startup import build_service
from storage.crypto import KeyRing
from tests.bot.dialog import new_case
from tests.conftest import TEST_KEYS, _pg_bin

ROOT = Path(__file__).resolve().parents[2]
TABLES = {"cases": "id", "answers": "id", "audit_log": "id", "signals": "id"}


def meldcode(args: list[str], env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("MELDCODE_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], env={**base, **env}, cwd=ROOT, capture_output=True, text=True
    )


def rows(url: str, table: str) -> dict[int, tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {r[0]: tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY id"))}
    finally:
        engine.dispose()


def manifest_of(archive: Path) -> dict:
    with tarfile.open(archive) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return json.load(member)


def live_service(env: dict):
    service = build_service(Settings.from_env(env), RecordingChat(), create=True)
    for _ in range(3):
        new_case(service, "sanne")
    return service


def under_load(service, work) -> int:
    """Run `work` while a thread keeps opening cases (each a case row, answers, audit entries); returns how
    many it opened meanwhile."""
    stop, opened = threading.Event(), [0]

    def load() -> None:
        while not stop.is_set():
            new_case(service, "sanne")
            opened[0] += 1

    thread = threading.Thread(target=load)
    thread.start()
    try:
        work()
    finally:
        stop.set()
        thread.join(timeout=60)
    return opened[0]


def other_postgres(postgres_server) -> str:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = f"host={postgres_server['host']} port={postgres_server['port']} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@/{name}?host={postgres_server['host']}&port={postgres_server['port']}"


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_operate_a_backup_under_load_restores_elsewhere_identical_to_its_snapshot(engine, tmp_path, request):
    if engine == "sqlite":
        live = {"MELDCODE_DATA_DIR": str(tmp_path / "live"), "MELDCODE_KEYS": TEST_KEYS}
        there = {"MELDCODE_DATA_DIR": str(tmp_path / "there"), "MELDCODE_KEYS": TEST_KEYS}
        live_url, there_url = (
            f"sqlite:///{tmp_path / 'live' / 'meldcode.db'}",
            f"sqlite:///{tmp_path / 'there' / 'meldcode.db'}",
        )
    else:
        server = request.getfixturevalue("postgres_server")
        live_url, there_url = request.getfixturevalue("postgres_url"), other_postgres(server)
        pg_bin = str(Path(_pg_bin("pg_dump") or "pg_dump").parent)
        live = {"DATABASE_URL": live_url, "MELDCODE_KEYS": TEST_KEYS, "MELDCODE_PG_BIN": pg_bin}
        there = {"DATABASE_URL": there_url, "MELDCODE_KEYS": TEST_KEYS, "MELDCODE_PG_BIN": pg_bin}
        assert meldcode(["db", "upgrade"], live).returncode == 0
    service = live_service(live)
    archive = tmp_path / "meldcode-backup.tar"
    done: list[subprocess.CompletedProcess] = []
    opened_meanwhile = under_load(service, lambda: done.append(meldcode(["backup", str(archive)], live)))
    assert done[0].returncode == 0, done[0].stderr
    assert "owner-only" in done[0].stdout and oct(archive.stat().st_mode & 0o777) == "0o600"
    assert opened_meanwhile > 0  # the bot kept writing while the backup ran
    for _ in range(3):
        new_case(service, "sanne")  # and after it: none of these may be in the restore
    service.store.dispose()
    manifest = manifest_of(archive)
    raw = json.dumps(manifest)
    assert "mc1:" not in raw and TEST_KEYS.split(",")[0].split(":")[1] not in raw  # ids, never keys or values
    assert set(manifest["key_ids"]) <= set(KeyRing.parse(TEST_KEYS).keys)

    restored = meldcode(["restore", str(archive)], there)
    assert restored.returncode == 0, restored.stderr
    assert f"{manifest['counts']['cases']} case(s)" in restored.stdout and "witness: restored at" in restored.stdout
    for table in TABLES:
        got, now = rows(there_url, table), rows(live_url, table)
        assert len(got) == manifest["counts"].get(table, len(got)), table
        assert all(now[i] == row for i, row in got.items()), table  # each restored row identical to the live one
        assert len(now) > len(got) or table == "signals"  # the live database went on past the backup
    if engine == "sqlite":  # the archive's own copy is the snapshot: the restore is exactly it
        with tarfile.open(archive) as tar:
            member = tar.extractfile("meldcode.db")
            assert member is not None
            (tmp_path / "snapshot.db").write_bytes(member.read())
        for table in TABLES:
            assert rows(f"sqlite:///{tmp_path / 'snapshot.db'}", table) == rows(there_url, table), table
    verify = meldcode(["audit", "verify"], there)
    assert verify.returncode == 0 and "audit trail intact" in verify.stdout
    heads = [(h["org"], h["entry"]) for h in manifest["heads"]]
    assert heads and f"{sum(e for _, e in heads)} entries" in verify.stdout


def test_operate_restore_with_the_wrong_keys_is_refused_and_leaves_nothing(tmp_path):
    live = {"MELDCODE_DATA_DIR": str(tmp_path / "live"), "MELDCODE_KEYS": TEST_KEYS}
    live_service(live).store.dispose()
    archive = tmp_path / "b.tar"
    assert meldcode(["backup", str(archive)], live).returncode == 0
    data_id = next(k for k in KeyRing.parse(TEST_KEYS).keys if k != "audit")
    same_ids = ",".join(KeyRing.new_entry(kid) for kid in ("audit", data_id))  # the right ids, other keys
    for keys, says in (
        (KeyRing.new_entry("audit") + "," + KeyRing.new_entry("other"), f"needs key(s) {data_id}, which are not"),
        (same_ids, "the audit key at hand is not the backed-up database's"),
        (TEST_KEYS.split(",")[0] + "," + KeyRing.new_entry(data_id), f"key(s) {data_id} do not open"),
    ):
        there = {"MELDCODE_DATA_DIR": str(tmp_path / "there"), "MELDCODE_KEYS": keys}
        refused = meldcode(["restore", str(archive)], there)
        assert refused.returncode == 1 and says in refused.stderr, refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
        assert not (tmp_path / "there" / "meldcode.db").exists()  # nothing left behind
    (tmp_path / "junk.tar").write_bytes(b"not a backup")
    junk = meldcode(["restore", str(tmp_path / "junk.tar")], {"MELDCODE_DATA_DIR": str(tmp_path / "x")})
    assert (
        junk.returncode == 1 and junk.stderr.startswith("restore refused:") and "not a meldcode backup" in junk.stderr
    )
    into_live = meldcode(["restore", str(archive)], live)
    assert into_live.returncode == 1 and "is not empty" in into_live.stderr


def test_operate_the_audit_witness_does_not_read_a_restore_as_a_truncation(tmp_path):
    witness = tmp_path / "witness.log"
    live = {
        "MELDCODE_DATA_DIR": str(tmp_path / "live"),
        "MELDCODE_KEYS": TEST_KEYS,
        "MELDCODE_AUDIT_WITNESS": str(witness),
    }
    service = live_service(live)
    archive = tmp_path / "b.tar"
    assert meldcode(["backup", str(archive)], live).returncode == 0
    for _ in range(2):
        new_case(service, "sanne")  # entries after the backup, witnessed, then lost with the disk
    service.store.dispose()
    assert meldcode(["audit", "witness"], live).returncode == 0
    there = {**live, "MELDCODE_DATA_DIR": str(tmp_path / "there")}
    assert meldcode(["restore", str(archive)], there).returncode == 0
    lines = [json.loads(line) for line in witness.read_text().splitlines()]
    assert lines[-1]["restored"] is True and lines[-1]["entry"] == manifest_of(archive)["heads"][0]["entry"]
    verdict = meldcode(["audit", "verify", "--witness", str(witness)], there)
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    # Without the restore's line, the same witness shows the entries the restore lost as removed.
    (tmp_path / "old.log").write_text("\n".join(json.dumps(x) for x in lines[:-1]) + "\n")
    truncated = meldcode(["audit", "verify", "--witness", str(tmp_path / "old.log")], there)
    assert truncated.returncode == 1 and "truncated" in truncated.stdout + truncated.stderr
    assert sqlite3.connect(tmp_path / "there" / "meldcode.db").execute("SELECT count(*) FROM cases").fetchone()[0] == 3
