"""Seal every encrypted column under the current key: existing plaintext (first migration) or older keys (rotation)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.crypto import ENCRYPTED_COLUMNS, PREFIX, KeyRing

# Tables whose rows are never updated; re-keying is the one administrative exception.
APPEND_ONLY = ("answers", "signals", "signal_followups", "events", "corrections")


def _triggers(conn: Connection, create: bool) -> None:
    dialect = conn.dialect.name
    for table in APPEND_ONLY:
        if not create:
            conn.execute(
                text(f"DROP TRIGGER IF EXISTS {table}_no_update" + (f" ON {table}" if dialect == "postgresql" else ""))
            )
        elif dialect == "sqlite":
            conn.execute(
                text(
                    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            )
        elif dialect == "postgresql":
            conn.execute(
                text(
                    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                    f"FOR EACH ROW EXECUTE FUNCTION meldcode_append_only()"
                )
            )


def reseal(conn: Connection, ring: KeyRing, *, batch: int = 500) -> int:
    """Re-encrypt every value not yet under the current key; returns how many values changed.
    Runs inside the caller's transaction, so a failure leaves everything as it was."""
    changed = 0
    _triggers(conn, create=False)
    for table, column, _is_json in ENCRYPTED_COLUMNS:
        quoted = conn.dialect.identifier_preparer.quote(column)
        rows = conn.execute(text(f"SELECT id, {quoted} FROM {table} WHERE {quoted} IS NOT NULL")).all()
        purpose = f"{table}.{column}"
        updates: list[dict[str, Any]] = []
        for row_id, stored in rows:
            if isinstance(stored, str) and stored.startswith(PREFIX + ":"):
                if ring.key_id_of(stored) == ring.current:
                    continue
                plain = ring.decrypt(stored, purpose)
            else:  # plaintext from before encryption (JSON columns may come back parsed)
                plain = stored if isinstance(stored, str) else json.dumps(stored, ensure_ascii=False)
            updates.append({"id": row_id, "v": ring.encrypt(plain, purpose)})
        for start in range(0, len(updates), batch):
            conn.execute(text(f"UPDATE {table} SET {quoted} = :v WHERE id = :id"), updates[start : start + batch])
        changed += len(updates)
    _triggers(conn, create=True)
    return changed


def checkpoint(engine) -> None:
    """SQLite keeps old page images in its WAL until a checkpoint: fold them in after re-sealing."""
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()  # outside any transaction, which a checkpoint needs
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
