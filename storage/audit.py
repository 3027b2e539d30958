"""Repository: the audit trail as an HMAC hash chain, and its verification."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import weakref
from dataclasses import dataclass
from typing import Any, Mapping

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from storage.models import AuditEntry, AuditHead

GENESIS = "0" * 64
FIELDS = ("org_id", "at", "event", "action", "case_id", "user_id", "user_ref", "role", "on_behalf_of",
          "entry_point", "outcome")


def _digest(key: bytes, prev_hash: str, entry: Mapping[str, Any]) -> str:
    def field(name: str) -> str:
        value = entry.get(name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
        return "" if value is None else str(value)
    canonical = "\x1f".join([prev_hash] + [field(name) for name in FIELDS])
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


# Built once: every audited event runs these three.
_HEAD = select(AuditHead.__table__.c.last_hash).where(AuditHead.__table__.c.id == 1).with_for_update()
_INSERT_ENTRY = insert(AuditEntry.__table__)
_MOVE_HEAD = update(AuditHead.__table__).where(AuditHead.__table__.c.id == 1).values(
    last_hash=bindparam("new_hash"))
_MOVE_HEAD_FROM = (update(AuditHead.__table__)
                   .where(AuditHead.__table__.c.id == 1, AuditHead.__table__.c.last_hash == bindparam("seen"))
                   .values(last_hash=bindparam("new_hash")))
# The head this process wrote last, per database: usually still the head, which saves reading it. The
# conditional update checks that (and locks the row); when another process wrote since, it is read again.
_LAST_WRITTEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def append(session: Session, *, key: bytes, at: dt.datetime, event: str, action: str, case_id: int | None,
           user_id: int | None, user_ref: str, role: str, entry_point: str, outcome: str,
           org_id: int | None = None, on_behalf_of: int | None = None) -> str:
    """Add one entry in the caller's transaction; returns its hash. The head row is locked, so appends form
    one chain."""
    fields = {"org_id": org_id, "at": at, "event": event, "action": action[:40], "case_id": case_id,
              "user_id": user_id, "user_ref": user_ref[:64], "role": role, "on_behalf_of": on_behalf_of,
              "entry_point": entry_point, "outcome": outcome}
    database = session.get_bind()
    # SQLite serves one machine, and a process's transactions take turns (storage.db.FairLock): the head it wrote
    # last is usually still the head. PostgreSQL serves replicas that append between each other's events: a
    # remembered head is often stale there, and a conditional update that misses would queue for the row twice.
    prev = _LAST_WRITTEN.get(database) if database.dialect.name == "sqlite" else None
    entry = {**fields, "prev_hash": prev, "hash": _digest(key, prev, fields)} if prev else None
    if entry is None or session.execute(_MOVE_HEAD_FROM, {"seen": prev, "new_hash": entry["hash"]}).rowcount != 1:
        prev = session.execute(_HEAD).scalar()  # FOR UPDATE: appends on PostgreSQL queue here, once
        if prev is None:
            session.add(AuditHead(id=1, last_hash=GENESIS))
            session.flush()
            prev = GENESIS
        entry = {**fields, "prev_hash": prev, "hash": _digest(key, prev, fields)}
        session.execute(_MOVE_HEAD, {"new_hash": entry["hash"]})
    session.execute(_INSERT_ENTRY, entry)  # the hash is computed before the insert: rows are never updated
    _LAST_WRITTEN[database] = entry["hash"]
    return entry["hash"]


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str = ""


def verify(session: Session, *, key: bytes) -> Verdict:
    """Walk the chain in order: an edited, deleted, inserted or reordered entry breaks it at that point."""
    prev, checked = GENESIS, 0
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        if entry.prev_hash != prev:
            return Verdict(False, checked, entry.id, "does not follow the entry before it (one was removed "
                                                     "or moved)")
        if not hmac.compare_digest(entry.hash, _digest(key, prev, {name: getattr(entry, name) for name in FIELDS})):
            return Verdict(False, checked, entry.id, "its content was changed")
        prev, checked = entry.hash, checked + 1
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1))
    if head is not None and head.last_hash != prev:
        return Verdict(False, checked, None, "the chain's last entries were removed")
    return Verdict(True, checked)


def for_case(session: Session, *, case_id: int, limit: int = 200) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id)
                                .order_by(AuditEntry.id.desc()).limit(limit)))
