"""Encryption at rest: no free text readable in the database, tampering detected, keys rotate without loss."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import crypto
from storage.crypto import KeyError_, KeyRing
from storage.db import Store
from storage.rekey import reseal
from tests.bot.dialog import Dialog
from tests.conftest import TEST_KEYS

CANARY = "KANARIE-enc-5d2"
ROOT = Path(__file__).resolve().parents[2]


def _case_with_canaries(service, chat) -> str:
    d = Dialog(service, chat)
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, None),
            ("sanne", "triage.forms", {"forms": ["psychisch"], "age": "9"}, None),
            ("sanne", "triage.kindcheck", {"siblings": "ja", "siblings_note": f"zus {CANARY}"}, None),
            (
                "sanne",
                "step1.signal",
                {"kind": "third_party", "text": f"tekst {CANARY}", "source": f"bron {CANARY}"},
                None,
            ),
            ("sanne", "signal", {"kind": "hypothesis", "text": f"hypothese {CANARY}"}, None),
        ]
    )
    form = service.follow_up_form("sanne", d.code).question
    service.follow_up(
        "sanne", d.code, {"signal": form.fields[0].choices[0][0], "verdict": "refuted", "note": f"noot {CANARY}"}
    )
    service.correct("sanne", d.code, 1, f"correctie {CANARY}")
    return d.code


def test_the_raw_database_file_holds_no_typed_text(tmp_path, chat, clock):
    from bot.config import load_config
    from bot.service import ConversationService
    from flows.loader import load_all

    store = Store.from_url(f"sqlite:///{tmp_path / 'raw.db'}")
    store.upgrade()
    service = ConversationService(store=store, flows=load_all(), org=load_config(None), chat=chat, clock=clock)
    service.bootstrap()
    code = _case_with_canaries(service, chat)
    assert CANARY in service.show_case("sanne", code).text()  # readable through the bot
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("raw.db*"))
    assert CANARY.encode() not in raw and b"mc1:test1:" in raw
    store.dispose()


def test_encrypted_columns_hold_sealed_values_on_postgresql_too(postgres_url, chat, clock):
    from bot.config import load_config
    from bot.service import ConversationService
    from flows.loader import load_all

    store = Store.from_url(postgres_url)
    store.upgrade()
    service = ConversationService(store=store, flows=load_all(), org=load_config(None), chat=chat, clock=clock)
    service.bootstrap()
    _case_with_canaries(service, chat)
    with store.engine.connect() as conn:
        for table, column, _ in crypto.ENCRYPTED_COLUMNS:
            for (value,) in conn.execute(text(f'SELECT "{column}" FROM {table} WHERE "{column}" IS NOT NULL')):
                assert value.startswith("mc1:") and CANARY not in value
    store.dispose()


def test_tampering_and_moving_values_between_columns_are_detected():
    ring = KeyRing.parse(KeyRing.new_entry("a"))
    sealed = ring.encrypt("geheim", "signals.text")
    assert ring.decrypt(sealed, "signals.text") == "geheim"
    with pytest.raises(KeyError_, match="authentication"):
        ring.decrypt(sealed, "signals.source")  # the same value pasted into another column
    tampered = sealed[:-6] + ("AAAA" if sealed[-6:-2] != "AAAA" else "BBBB") + sealed[-2:]
    with pytest.raises(KeyError_):
        ring.decrypt(tampered, "signals.text")
    with pytest.raises(KeyError_, match="no key"):
        KeyRing.parse(KeyRing.new_entry("b")).decrypt(sealed, "signals.text")


def test_rotation_reseals_every_value_and_the_old_key_can_go(service, chat):
    code = _case_with_canaries(service, chat)
    new_entry = KeyRing.new_entry("test2")
    both = KeyRing.parse(TEST_KEYS + "," + new_entry)
    try:
        crypto.use(both)
        with service.store.engine.begin() as conn:
            changed = reseal(conn, both)
        assert changed >= 10
        audit_entry = TEST_KEYS.split(",")[0]
        crypto.use(KeyRing.parse(audit_entry + "," + new_entry))  # the old encryption key is gone
        view = service.show_case("sanne", code).text()
        assert f"tekst {CANARY}" in view and f"correctie {CANARY}" in view and f"noot {CANARY}" in view
        with service.store.engine.begin() as conn:
            assert reseal(conn, KeyRing.parse(audit_entry + "," + new_entry)) == 0  # none left under the old key
        with pytest.raises(Exception, match="append-only"), service.store.transaction() as s:
            s.execute(text("UPDATE signals SET kind = 'fact'"))
    finally:
        crypto.use(KeyRing.parse(TEST_KEYS))


def test_migration_0005_seals_plaintext_written_before_it(tmp_path):
    store = Store.from_url(f"sqlite:///{tmp_path / 'old.db'}")
    from storage.db import upgrade

    upgrade(store.engine, "0004")
    now = dt.datetime(2026, 3, 2).isoformat(" ")
    with store.engine.begin() as conn:
        conn.execute(
            text(
                f"INSERT INTO organisations (id, key, name, timezone, created_at) VALUES (1, 'o', 'O', 'UTC', '{now}')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO people (id, org_id, external_id, name, is_af, is_deputy, is_board, is_admin, "
                "active) VALUES (1, 1, 'u', 'U', 0, 0, 0, 0, 1)"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO cases (id, org_id, code, flow_id, flow_version, owner_id, status, flags, "
                f"round, created_at, updated_at, version) VALUES (1, 1, 'MC-2026-0001', 'meldcode', 1, 1, "
                f"'open', '[]', 1, '{now}', '{now}', 1)"
            )
        )
        conn.execute(
            text(
                f'INSERT INTO answers (org_id, case_id, node_id, round, flow_version, "values", actor_id, '
                f"actor_role, created_at) VALUES (1, 1, 'step1.signal', 1, 1, "
                f"'{{\"text\": \"oud {CANARY}\"}}', 1, 'staff', '{now}')"
            )
        )
        conn.execute(
            text(
                f"INSERT INTO signals (org_id, case_id, kind, text, created_by_id, created_at) "
                f"VALUES (1, 1, 'fact', 'oud {CANARY}', 1, '{now}')"
            )
        )
    store.upgrade()
    store.dispose()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("old.db*"))
    assert CANARY.encode() not in raw
    from storage import cases as case_repo
    from storage import signals as signal_repo

    store = Store.from_url(f"sqlite:///{tmp_path / 'old.db'}")
    with store.transaction() as s:
        assert case_repo.answers(s, case_id=1)[0].values == {"text": f"oud {CANARY}"}
        assert signal_repo.signals(s, case_id=1)[0].text == f"oud {CANARY}"
    store.dispose()


def test_the_embedded_default_creates_an_owner_only_key_file_and_rotation_keeps_data(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MELDCODE_KEYS", "MELDCODE_KEY_FILE")}
    env["MELDCODE_DATA_DIR"] = str(tmp_path / "data")
    session = "/nieuw\n1\n1\n9\nnee\n1\n" + f"Blauwe plek {CANARY}\n\n/stop\n"
    first = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input=session,
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    key_file = tmp_path / "data" / "meldcode.key"
    assert first.returncode == 0 and "created encryption key file" in first.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    rotate = subprocess.run(
        [sys.executable, "-m", "bot.cli", "keys", "rotate"],
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert rotate.returncode == 0 and "re-encrypted" in rotate.stdout
    keys = [line for line in key_file.read_text().splitlines() if not line.startswith("#")]
    assert len(keys) == 3 and keys[0].startswith("audit:")
    key_file.write_text(keys[0] + "\n" + keys[2] + "\n")  # drop the old key: everything must still read
    show = subprocess.run(
        [sys.executable, "-m", "bot.cli", "console"],
        input="/open MC-2026-0001\n/stop\n",
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )
    assert f"Blauwe plek {CANARY}" in show.stdout


# ---- hardening finding 5: keys cannot silently fork ---------------------------------------------------------
def _meldcode(env: dict, *args: str, stdin: str = "/stop\n") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        input=stdin,
        text=True,
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
    )


@pytest.fixture
def embedded(tmp_path):
    """An embedded bot that holds a case, with its own key file beside the database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MELDCODE_", "SLACK_"))}
    env["MELDCODE_DATA_DIR"] = str(tmp_path / "data")
    made = _meldcode(env, "console", stdin="/nieuw\n1\n1\n9\nnee\n1\n" + f"Blauwe plek {CANARY}\n\n/stop\n")
    assert made.returncode == 0, made.stderr
    return env, tmp_path / "data"


@pytest.mark.parametrize(
    "command",
    [
        ["console"],
        ["audit", "verify"],
        ["export", "MC-2026-0001", "--as", "sanne"],
        ["db", "upgrade"],
        ["reminders", "send"],
    ],
)
def test_a_database_copied_without_its_key_is_refused_and_no_key_is_made(embedded, tmp_path, command):
    env, data = embedded
    elsewhere = tmp_path / "elders"
    elsewhere.mkdir()
    (elsewhere / "meldcode.db").write_bytes((data / "meldcode.db").read_bytes())  # the file, not its key
    key_id = next(
        line.split(":")[0]
        for line in (data / "meldcode.key").read_text().splitlines()
        if line and not line.startswith(("#", "audit:"))
    )
    run = _meldcode({**env, "MELDCODE_DATA_DIR": str(elsewhere)}, *command)
    assert run.returncode == 1 and "Traceback" not in run.stderr + run.stdout
    assert not (elsewhere / "meldcode.key").exists()  # no fresh key that would fork the data
    line = next(line for line in run.stderr.splitlines() if line.startswith("meldcode: "))
    assert f"holds encrypted data (sealed with key(s) {key_id}" in line
    assert f"the key file {elsewhere / 'meldcode.key'}" in line and "MELDCODE_KEYS" in line  # where keys are sought


def test_a_mistyped_key_file_is_refused_with_where_it_looked(embedded, tmp_path):
    env, data = embedded
    run = _meldcode({**env, "MELDCODE_KEY_FILE": str(data / "meldcode.kee")}, "console")
    assert run.returncode == 1 and not (data / "meldcode.kee").exists()
    assert f"MELDCODE_KEY_FILE={data / 'meldcode.kee'}" in run.stderr and "none was made" in run.stderr


def test_keys_with_the_right_id_but_other_bytes_are_refused_by_name(embedded):
    env, data = embedded
    lines = [line for line in (data / "meldcode.key").read_text().splitlines() if line and not line.startswith("#")]
    audit, key_id = lines[0], lines[1].split(":")[0]
    run = _meldcode({**env, "MELDCODE_KEYS": audit + "," + KeyRing.new_entry(key_id)}, "console")
    assert run.returncode == 1
    assert f"key(s) {key_id} have the right id but do not open the values" in run.stderr


def test_audit_verify_tells_a_wrong_audit_key_apart_from_a_changed_entry(embedded):
    env, data = embedded
    lines = [line for line in (data / "meldcode.key").read_text().splitlines() if line and not line.startswith("#")]
    wrong_audit = {**env, "MELDCODE_KEYS": KeyRing.new_entry("audit") + "," + lines[1]}
    verdict = _meldcode(wrong_audit, "audit", "verify")
    assert verdict.returncode == 3 and "audit key MISMATCH" in verdict.stdout
    assert "BROKEN" not in verdict.stdout and "changed" not in verdict.stdout  # never called tampering
    refused = _meldcode(wrong_audit, "console")  # the bot itself does not start with it either
    assert refused.returncode == 1 and "the audit key does not match this database" in refused.stderr
    assert _meldcode(env, "audit", "verify").returncode == 0
    import sqlite3

    db = sqlite3.connect(data / "meldcode.db")
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET outcome = 'refused' WHERE id = (SELECT max(id) FROM audit_log)")
    db.commit()
    db.close()
    changed = _meldcode(env, "audit", "verify")
    assert changed.returncode == 1 and "BROKEN at entry" in changed.stdout and "content was changed" in changed.stdout
    assert "MISMATCH" not in changed.stdout
