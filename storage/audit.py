"""Repository: the audit trail as an HMAC hash chain, and its verification."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import AuditEntry, AuditHead

GENESIS = "0" * 64
FIELDS = ("org_id", "at", "event", "action", "case_id", "user_id", "user_ref", "role", "on_behalf_of",
          "entry_point", "outcome")


def _digest(key: bytes, prev_hash: str, entry: AuditEntry) -> str:
    def field(name: str) -> str:
        value = getattr(entry, name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")
        return "" if value is None else str(value)
    canonical = "\x1f".join([prev_hash] + [field(name) for name in FIELDS])
    return hmac.new(key, canonical.encode(), hashlib.sha256).hexdigest()


def append(session: Session, *, key: bytes, at: dt.datetime, event: str, action: str, case_id: int | None,
           user_id: int | None, user_ref: str, role: str, entry_point: str, outcome: str,
           org_id: int | None = None, on_behalf_of: int | None = None) -> AuditEntry:
    """Add one entry in the caller's transaction. The head row is locked, so appends form one chain."""
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS)
        session.add(head)
        session.flush()
    entry = AuditEntry(org_id=org_id, at=at, event=event, action=action[:40], case_id=case_id, user_id=user_id,
                       user_ref=user_ref[:64], role=role, on_behalf_of=on_behalf_of,
                       entry_point=entry_point, outcome=outcome, prev_hash=head.last_hash)
    entry.hash = _digest(key, head.last_hash, entry)  # before the insert: rows are never updated
    session.add(entry)
    head.last_hash = entry.hash
    session.flush()
    return entry


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
        if not hmac.compare_digest(entry.hash, _digest(key, prev, entry)):
            return Verdict(False, checked, entry.id, "its content was changed")
        prev, checked = entry.hash, checked + 1
    head = session.scalar(select(AuditHead).where(AuditHead.id == 1))
    if head is not None and head.last_hash != prev:
        return Verdict(False, checked, None, "the chain's last entries were removed")
    return Verdict(True, checked)


def for_case(session: Session, *, case_id: int, limit: int = 200) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).where(AuditEntry.case_id == case_id)
                                .order_by(AuditEntry.id.desc()).limit(limit)))
