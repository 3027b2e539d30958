"""The audit trail: every access recorded with NEN 7513 fields, never content; tampering is detected."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select, text

from storage import audit as audit_repo
from storage import crypto
from storage.models import AuditEntry
from tests.bot.dialog import Dialog
from tests.conftest import TEST_KEYS

ROOT = Path(__file__).resolve().parents[2]
CANARY = "KANARIE-audit-1"


def entries(service, *, genesis: bool = False) -> list[AuditEntry]:
    """The trail in order; each organisation's chain starts with a genesis entry, left out unless asked for."""
    with service.store.transaction() as s:
        return [e for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id)) if genesis or e.event != "genesis"]


def verify(service):
    with service.store.transaction() as s:
        return audit_repo.verify(s, key=crypto.active().audit_key)


def _play(service, chat) -> str:
    d = Dialog(service, chat)
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "domestic"}, None),
            ("sanne", "show", None, None),
            ("tom", "show", None, "Geen toegang"),
            ("sanne", "triage.forms", {"forms": ["psychisch"], "age": "x"}, None),
            ("sanne", "triage.forms", {"forms": ["psychisch"], "age": "9"}, None),
        ]
    )
    service.add_entry("sanne", d.code, "signal", {"kind": "fact", "text": CANARY})
    service.my_cases("mila")
    return d.code


def test_every_read_write_search_and_refusal_is_recorded_with_nen7513_fields(service, chat):
    _play(service, chat)
    log = [
        (e.event, e.action, e.user_ref, e.role, e.outcome, e.case_id is not None, e.entry_point, e.reason)
        for e in entries(service)
    ]
    assert log == [
        ("read", "open_case", "sanne", "none", "ok", False, "console", None),  # no case yet: the answer makes it
        ("write", "answer", "sanne", "staff", "ok", True, "console", None),
        ("read", "show_case", "sanne", "staff", "ok", True, "console", None),
        # Refused and rejected attempts carry the case they targeted (hardening finding 2) and why.
        ("read", "show_case", "tom", "none", "refused", True, "console", "no_access"),
        ("write", "answer", "sanne", "staff", "rejected", True, "console", "invalid_input"),
        ("write", "answer", "sanne", "staff", "ok", True, "console", None),
        ("write", "add_entry", "sanne", "staff", "ok", True, "console", None),
        ("search", "my_cases", "mila", "none", "ok", False, "console", None),
    ]
    assert all(e.at is not None and e.hash and e.prev_hash for e in entries(service))
    with service.store.engine.connect() as conn:
        raw = " ".join(str(v) for row in conn.execute(text("SELECT * FROM audit_log")) for v in row)
    assert CANARY not in raw  # the fact, never the content
    assert verify(service).ok


def _tamper(service, sql: str) -> None:
    """What someone with database access could do: lift the protection, change rows."""
    with service.store.engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_change ON audit_log"))
        conn.execute(text(sql))


def test_an_edited_entry_is_detected_and_named(service, chat):
    _play(service, chat)
    third = entries(service)[2].id
    _tamper(service, f"UPDATE audit_log SET user_ref = 'iemand-anders' WHERE id = {third}")
    verdict = verify(service)
    assert not verdict.ok and verdict.first_broken == third and "changed" in verdict.reason


def test_a_deleted_entry_is_detected(service, chat):
    _play(service, chat)
    rows = entries(service)
    _tamper(service, f"DELETE FROM audit_log WHERE id = {rows[3].id}")
    verdict = verify(service)
    assert not verdict.ok and verdict.first_broken == rows[4].id


def test_reordered_entries_are_detected(service, chat):
    _play(service, chat)
    a, b = entries(service)[1], entries(service)[5]
    _tamper(service, f"UPDATE audit_log SET id = -1 WHERE id = {a.id}")
    with service.store.engine.begin() as conn:
        conn.execute(text(f"UPDATE audit_log SET id = {a.id} WHERE id = {b.id}"))
        conn.execute(text(f"UPDATE audit_log SET id = {b.id} WHERE id = -1"))
    verdict = verify(service)
    assert not verdict.ok and verdict.first_broken == a.id


def test_removing_the_last_entries_is_detected(service, chat):
    _play(service, chat)
    _tamper(service, f"DELETE FROM audit_log WHERE id = {entries(service)[-1].id}")
    verdict = verify(service)
    assert not verdict.ok and "last entries" in verdict.reason


def test_the_protection_refuses_updates_and_deletes(service, chat):
    _play(service, chat)
    for sql in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log"):
        try:
            with service.store.transaction() as s:
                s.execute(text(sql))
            raise AssertionError("the audit log accepted: " + sql)
        except Exception as exc:
            assert "append-only" in str(exc)


def test_members_and_the_af_see_who_accessed_the_case_others_do_not(service, chat):
    code = _play(service, chat)
    view = service.access_log("sanne", code).text()
    assert "Sanne de Vries (beroepskracht) · vastgelegd" in view and "bekeken" in view
    assert "Wie zaak" in service.access_log("mila", code).text()
    assert "Geen toegang" in service.access_log("tom", code).text()


def test_meldcode_audit_verify_names_the_first_broken_entry(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MELDCODE_KEY_FILE")}
    env.update({"MELDCODE_DATA_DIR": str(tmp_path / "data"), "MELDCODE_KEYS": TEST_KEYS})

    def run(*args, **kw):
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            text=True,
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            **kw,
        )

    assert run("console", input="/nieuw\n1\n1\n/stop\n").returncode == 0
    ok = run("audit", "verify")
    assert ok.returncode == 0 and "intact" in ok.stdout
    import sqlite3

    db = sqlite3.connect(tmp_path / "data" / "meldcode.db")
    db.execute("DROP TRIGGER audit_log_no_update")
    db.execute("UPDATE audit_log SET outcome = 'refused' WHERE id = 1")
    db.commit()
    db.close()
    broken = run("audit", "verify")
    assert broken.returncode == 1 and "BROKEN at entry 1" in broken.stdout


def _case_id(service, code: str) -> int:
    from storage import cases as case_repo

    with service.store.transaction() as s:
        return case_repo.get_case(s, org_id=1, code=code).id


def test_refused_attempts_are_audited_with_the_case_they_targeted_and_shown_to_the_af(service, chat):
    """Hardening finding 2: "who tried to open this case" has an answer, for the AF too."""
    code = _play(service, chat)
    service.take_up("tom", code)
    service.export("tom", code)
    refused = [e for e in entries(service) if e.outcome == "refused"]
    assert [(e.action, e.user_ref, e.reason) for e in refused] == [
        ("show_case", "tom", "no_access"),
        ("take_up", "tom", "no_access"),
        ("export", "tom", "no_access"),
    ]
    assert {e.case_id for e in refused} == {_case_id(service, code)}
    view = service.access_log("mila", code).text()
    assert "Tom Peters (zonder rol) · dossier geëxporteerd · geweigerd: geen toegang tot deze zaak" in view
    assert "Tom Peters (zonder rol) · bekeken · geweigerd: geen toegang tot deze zaak" in view
    assert verify(service).ok


def test_a_refusal_for_a_case_that_does_not_exist_is_audited_without_one(service, chat):
    _play(service, chat)
    service.show_case("tom", "MC-2026-9999")
    last = entries(service)[-1]
    assert (last.action, last.outcome, last.reason, last.case_id) == ("show_case", "refused", "unknown_case", None)


def test_the_forms_behind_propose_moment_and_reminder_done_check_access_and_are_audited(service, chat):
    """Hardening finding 4: the forms opened for anyone, unaudited; now each is a read of the case."""
    from storage import reminders as reminder_repo

    code = _play(service, chat)
    case_id = _case_id(service, code)
    with service.store.transaction() as s:
        reminder = reminder_repo.listing(s, org_id=1, case_id=case_id)
    assert service.moment_form("tom", code).error == "no_access"
    assert service.moment_form("sanne", code).error == "not_af"  # the staff member is not the AF
    assert service.moment_form("mila", code).ok
    assert reminder, "the case has its D6 reminder"
    assert service.reminder_done_form("tom", code, reminder[0].id).error == "no_access"
    assert service.reminder_done_form("sanne", code, reminder[0].id).question is not None
    audited = [
        (e.action, e.user_ref, e.outcome, e.case_id is not None)
        for e in entries(service)
        if e.action in ("moment_form", "reminder_done_form")
    ]
    assert ("moment_form", "tom", "refused", True) in audited and ("moment_form", "mila", "ok", True) in audited
    assert ("reminder_done_form", "tom", "refused", True) in audited
    assert ("reminder_done_form", "sanne", "ok", True) in audited


# ---- hardening finding 8: per-organisation chains, and a witness outside the database ----------------------
def _witnessed_case(service, chat, tmp_path, monkeypatch) -> list:
    from storage import witness as witness_mod

    monkeypatch.setattr(audit_repo, "WITNESS_EVERY", 4)
    service.store.witness = witness_mod.Witness(tmp_path / "witness.jsonl")
    _play(service, chat)
    return witness_mod.read(tmp_path / "witness.jsonl")


def _remove_newest(service, count: int) -> None:
    """What someone who can rewrite the database does: drop the newest entries and move the head back."""
    rows = entries(service, genesis=True)
    keep, gone = rows[:-count], rows[-count:]
    _tamper(service, f"DELETE FROM audit_log WHERE id >= {gone[0].id}")
    with service.store.engine.begin() as conn:
        conn.execute(
            text("UPDATE audit_heads SET seq = :seq, last_hash = :hash WHERE chain = :chain"),
            {"seq": keep[-1].seq, "hash": keep[-1].hash, "chain": keep[-1].chain},
        )
    audit_repo.forget_remembered_heads()


def test_each_organisation_has_its_own_chain_that_starts_at_the_old_head(service, chat):
    _play(service, chat)
    rows = entries(service, genesis=True)
    assert rows[0].event == "genesis" and rows[0].seq == 1 and rows[0].prev_hash == audit_repo.GENESIS
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1)) and {e.chain for e in rows} == {1}
    assert verify(service).ok and verify(service).chains == 1


def test_truncation_behind_a_witness_is_detected(service, chat, tmp_path, monkeypatch):
    witnessed = _witnessed_case(service, chat, tmp_path, monkeypatch)
    assert [w.seq for w in witnessed] == [4, 8] and all(w.chain == 1 for w in witnessed)
    with service.store.transaction() as s:
        assert audit_repo.verify(s, key=crypto.active().audit_key, witnesses=witnessed).witnessed == 2
    _remove_newest(service, 3)  # entries 7, 8 and 9 gone, the head moved back to 6
    assert verify(service).ok  # without the witness, nothing shows
    with service.store.transaction() as s:
        verdict = audit_repo.verify(s, key=crypto.active().audit_key, witnesses=witnessed)
    assert not verdict.ok and "entry 8 was witnessed" in verdict.reason and "truncated" in verdict.reason


def test_rewriting_behind_a_witness_is_detected_even_with_the_key(service, chat, tmp_path, monkeypatch):
    """Someone holding the audit key can recompute a consistent chain; the witness still holds the old head."""
    witnessed = _witnessed_case(service, chat, tmp_path, monkeypatch)
    key = crypto.active().audit_key
    rows = entries(service, genesis=True)
    _tamper(service, "DELETE FROM audit_log WHERE seq >= 3")
    prev = rows[1].hash
    with service.store.engine.begin() as conn:
        for e in rows[2:]:
            values = {name: getattr(e, name) for name in audit_repo.FIELDS + audit_repo.CHAIN_FIELDS}
            if e.seq == 4:
                values["user_ref"] = "iemand-anders"  # the rewritten history
            new = audit_repo._digest(key, prev, values)
            conn.execute(
                text(
                    "INSERT INTO audit_log (org_id, at, event, action, case_id, user_id, user_ref, role, "
                    "on_behalf_of, entry_point, outcome, prev_hash, hash, chain, seq, reason) VALUES "
                    "(:org_id, :at, :event, :action, :case_id, :user_id, :user_ref, :role, :on_behalf_of, "
                    ":entry_point, :outcome, :prev, :hash, :chain, :seq, :reason)"
                ),
                {
                    **values,
                    "at": e.at.isoformat(" ") if conn.dialect.name == "sqlite" else e.at,
                    "prev": prev,
                    "hash": new,
                },
            )
            prev = new
        conn.execute(text("UPDATE audit_heads SET last_hash = :h WHERE chain = 1"), {"h": prev})
    audit_repo.forget_remembered_heads()
    assert verify(service).ok  # a consistent chain
    with service.store.transaction() as s:
        verdict = audit_repo.verify(s, key=key, witnesses=witnessed)
    assert not verdict.ok and "differs from the witness" in verdict.reason and "rewritten" in verdict.reason


def test_meldcode_audit_verify_with_a_witness_file_finds_truncation(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "MELDCODE_"))}
    witness = tmp_path / "witness.jsonl"
    env.update(
        {
            "MELDCODE_DATA_DIR": str(tmp_path / "data"),
            "MELDCODE_KEYS": TEST_KEYS,
            "MELDCODE_AUDIT_WITNESS": str(witness),
        }
    )

    def run(*args, **kw):
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            text=True,
            capture_output=True,
            env=env,
            cwd=ROOT,
            timeout=120,
            **kw,
        )

    assert run("console", input="/nieuw\n1\n1\n/stop\n").returncode == 0
    made = run("audit", "witness")
    assert made.returncode == 0 and "1 chain head(s) witnessed" in made.stdout
    assert oct(witness.stat().st_mode & 0o777) == "0o600"
    ok = run("audit", "verify")
    assert ok.returncode == 0 and "1 of 1 witness line(s)" in ok.stdout
    import sqlite3

    db = sqlite3.connect(tmp_path / "data" / "meldcode.db")
    db.execute("DROP TRIGGER audit_log_no_delete")
    (seq,) = db.execute("SELECT max(seq) FROM audit_log").fetchone()
    db.execute("DELETE FROM audit_log WHERE seq = ?", (seq,))
    prev_seq, prev_hash = db.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    db.execute("UPDATE audit_heads SET seq = ?, last_hash = ?", (prev_seq, prev_hash))
    db.commit()
    db.close()
    broken = run("audit", "verify", "--witness", str(witness))
    assert broken.returncode == 1 and "truncated" in broken.stdout
