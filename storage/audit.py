"""Repository: the audit trail as HMAC hash chains, one per organisation, and their verification.

Each organisation's entries form a chain of their own, numbered from 1 (`seq`) with a head row each
(`audit_heads`): organisations never take turns on one row. A chain starts with a genesis entry whose prev_hash
is the head of the old global chain (the entries written before migration 0012, which stay verifiable as they
are). Every `WITNESS_EVERY` entries, and daily, a chain's head is also written outside the database (the
witness, storage.witness), so that removing the newest entries together with their head is found too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import weakref
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from storage.models import AuditChainHead, AuditEntry, AuditHead, KeyCheck, rows_changed, table

GENESIS = "0" * 64
FIELDS = (
    "org_id",
    "at",
    "event",
    "action",
    "case_id",
    "user_id",
    "user_ref",
    "role",
    "on_behalf_of",
    "entry_point",
    "outcome",
)
CHAIN_FIELDS = ("chain", "seq", "reason")  # hashed too, in entries of the per-organisation chains
WITNESS_EVERY = 100
_KEY_CHECK = "audit"


def _digest(key: bytes, prev_hash: str, entry: Mapping[str, Any]) -> str:
    def field(name: str) -> str:
        value = entry.get(name)
        if isinstance(value, dt.datetime):
            value = value.astimezone(dt.UTC).isoformat(timespec="microseconds")
        return "" if value is None else str(value)

    parts = [prev_hash] + [field(name) for name in FIELDS]
    if entry.get("seq") is not None:  # an entry of an organisation's chain; the old global chain hashed less
        parts += ["v2"] + [field(name) for name in CHAIN_FIELDS]
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def key_check_value(key: bytes) -> str:
    """Derived from the audit key, one way: stored to recognise the key, useless to forge an entry."""
    return hmac.new(key, b"meldcode audit key check", hashlib.sha256).hexdigest()


def chain_of(org_id: int | None) -> int:
    return org_id if org_id is not None else 0


@dataclass(frozen=True)
class Head:
    chain: int
    seq: int
    hash: str
    at: dt.datetime


# Built once: every audited event runs these.
_heads = table(AuditChainHead)
_HEAD = select(_heads.c.seq, _heads.c.last_hash).where(_heads.c.chain == bindparam("chain")).with_for_update()
_INSERT_ENTRY = insert(table(AuditEntry))
_MOVE_HEAD_FROM = (
    update(_heads)
    .where(_heads.c.chain == bindparam("c"), _heads.c.seq == bindparam("seen"))
    .values(seq=bindparam("new_seq"), last_hash=bindparam("new_hash"))
)
_OLD_HEAD = select(table(AuditHead).c.last_hash).where(table(AuditHead).c.id == 1)
# The head this process wrote last, per database and chain: usually still the head on SQLite, which saves
# reading it. The conditional update checks that (and locks the row); when another process wrote since, it is
# read again.
_LAST_WRITTEN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _insert_ignore(session: Session, table, values: dict[str, Any]) -> None:
    dialect = session.get_bind().dialect.name
    make = pg_insert if dialect == "postgresql" else sqlite_insert if dialect == "sqlite" else None
    if make is None:
        session.execute(insert(table).values(**values))
    else:
        session.execute(make(table).values(**values).on_conflict_do_nothing())


def _locked_head(session: Session, chain: int, now: dt.datetime, key: bytes, entry_point: str) -> tuple[int, str]:
    """(seq, hash) of the chain's head, locked; a chain not there yet starts with its genesis entry."""
    row = session.execute(_HEAD, {"chain": chain}).first()  # FOR UPDATE: this chain's appends queue here
    if row is None:
        old_head = session.execute(_OLD_HEAD).scalar() or GENESIS
        _insert_ignore(session, _heads, {"chain": chain, "seq": 0, "last_hash": old_head})
        row = session.execute(_HEAD, {"chain": chain}).first()
    assert row is not None  # inserted just above, in this transaction
    seq, last = row
    if seq == 0:  # the genesis entry: records the old global chain's head as its predecessor
        genesis = {
            "org_id": chain or None,
            "at": now,
            "event": "genesis",
            "action": "genesis",
            "case_id": None,
            "user_id": None,
            "user_ref": "",
            "role": "none",
            "on_behalf_of": None,
            "entry_point": entry_point,
            "outcome": "ok",
            "chain": chain,
            "seq": 1,
            "reason": None,
        }
        genesis["prev_hash"], genesis["hash"] = last, _digest(key, last, genesis)
        session.execute(_INSERT_ENTRY, genesis)
        session.execute(_MOVE_HEAD_FROM, {"c": chain, "seen": 0, "new_seq": 1, "new_hash": genesis["hash"]})
        seq, last = 1, genesis["hash"]
    return seq, last


def append(
    session: Session,
    *,
    key: bytes,
    at: dt.datetime,
    event: str,
    action: str,
    case_id: int | None,
    user_id: int | None,
    user_ref: str,
    role: str,
    entry_point: str,
    outcome: str,
    org_id: int | None = None,
    on_behalf_of: int | None = None,
    reason: str | None = None,
) -> str:
    """Add one entry to its organisation's chain in the caller's transaction; returns its hash. The chain's
    head row is locked, so that organisation's appends form one chain; other organisations' do not wait."""
    chain = chain_of(org_id)
    fields = {
        "org_id": org_id,
        "at": at,
        "event": event,
        "action": action[:40],
        "case_id": case_id,
        "user_id": user_id,
        "user_ref": user_ref[:64],
        "role": role,
        "on_behalf_of": on_behalf_of,
        "entry_point": entry_point,
        "outcome": outcome,
        "chain": chain,
        "reason": reason[:40] if reason else None,
    }
    database = session.get_bind()
    # SQLite serves one machine, and a process's transactions take turns (storage.db.FairLock): the head it wrote
    # last is usually still the head. PostgreSQL serves replicas that append between each other's events: a
    # remembered head is often stale there, and a conditional update that misses would queue for the row twice.
    remembered = _LAST_WRITTEN.get(database, {}).get(chain) if database.dialect.name == "sqlite" else None
    entry = None
    if remembered is not None:
        seq, prev = remembered
        entry = {**fields, "seq": seq + 1, "prev_hash": prev}
        entry["hash"] = _digest(key, prev, entry)
        if (
            rows_changed(
                session.execute(
                    _MOVE_HEAD_FROM, {"c": chain, "seen": seq, "new_seq": seq + 1, "new_hash": entry["hash"]}
                )
            )
            != 1
        ):
            entry = None
    if entry is None:
        seq, prev = _locked_head(session, chain, at, key, entry_point)
        entry = {**fields, "seq": seq + 1, "prev_hash": prev}
        entry["hash"] = _digest(key, prev, entry)
        moved = rows_changed(
            session.execute(_MOVE_HEAD_FROM, {"c": chain, "seen": seq, "new_seq": seq + 1, "new_hash": entry["hash"]})
        )
        if moved != 1:  # cannot happen while the row is locked; never write an entry the head does not name
            raise RuntimeError("the audit chain's head moved while locked")
    session.execute(_INSERT_ENTRY, entry)  # the hash is computed before the insert: rows are never updated
    _LAST_WRITTEN.setdefault(database, {})[chain] = (entry["seq"], entry["hash"])
    if entry["seq"] % WITNESS_EVERY == 0:
        # Written outside the database after the commit (storage.db.Store), never for a rolled-back entry.
        session.info.setdefault("audit_witness", []).append(Head(chain, entry["seq"], entry["hash"], at))
    return entry["hash"]


def forget_remembered_heads() -> None:
    """After the database was changed behind this process's back (tests, a restore)."""
    _LAST_WRITTEN.clear()


def heads(session: Session) -> list[Head]:
    """Every organisation's chain head, for the daily witness."""
    now = dt.datetime.now(dt.UTC)
    return [
        Head(chain, seq, last, now)
        for chain, seq, last in session.execute(
            select(_heads.c.chain, _heads.c.seq, _heads.c.last_hash).order_by(_heads.c.chain)
        )
    ]


# ---- the audit key -----------------------------------------------------------------------------------------
def check_key(session: Session, *, key: bytes, record: bool = True) -> str:
    """'ok' when `key` is this database's audit key (recording its check value the first time), 'mismatch'
    when it is not, 'new' when there is nothing to tell it by (and `record` is off). Without a recorded check
    value, the newest entry tells."""
    stored = session.scalar(select(KeyCheck.value).where(KeyCheck.name == _KEY_CHECK))
    if stored is not None:
        return "ok" if hmac.compare_digest(stored, key_check_value(key)) else "mismatch"
    newest = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    if newest is not None and not _entry_ok(key, newest):
        # Which of the two (a changed newest entry, or another key), only another key can tell: refuse either way.
        return "mismatch"
    if not record:
        return "ok" if newest is not None else "new"
    _insert_ignore(session, table(KeyCheck), {"name": _KEY_CHECK, "value": key_check_value(key)})
    return "ok"


def _entry_ok(key: bytes, entry: AuditEntry) -> bool:
    values = {name: getattr(entry, name) for name in FIELDS + CHAIN_FIELDS}
    return hmac.compare_digest(entry.hash, _digest(key, entry.prev_hash, values))


# ---- verification ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Witnessed:
    """A head written outside the database: organisation (chain), entry number, hash, when."""

    chain: int
    seq: int
    hash: str
    at: str = ""
    restored: bool = False  # the database was restored from a backup here: what came after it was lost


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    first_broken: int | None = None
    reason: str = ""
    key_mismatch: bool = False  # the key is not this database's: nothing can be said about the entries
    chains: int = 0
    witnessed: int = 0  # witness lines that matched


def verify(session: Session, *, key: bytes, witnesses: Iterable[Witnessed] = ()) -> Verdict:
    """Walk every entry in order: an edited, deleted, inserted or reordered entry breaks its chain at that point;
    an entry or chain end missing behind a witness line, or differing from it, is found too."""
    stored = session.scalar(select(KeyCheck.value).where(KeyCheck.name == _KEY_CHECK))
    if stored is not None and not hmac.compare_digest(stored, key_check_value(key)):
        return Verdict(False, 0, None, MISMATCH, key_mismatch=True)
    expected: dict[tuple[int, int], Witnessed] = {}
    for w in witnesses:  # in the order they were written
        if w.restored:  # a restore from a backup: the entries witnessed after this one were lost with it
            for place in [p for p in expected if p[0] == w.chain and p[1] > w.seq]:
                del expected[place]
        expected[(w.chain, w.seq)] = w
    old_prev, checked, matched = GENESIS, 0, 0
    chains: dict[int, tuple[int, str]] = {}
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.id)).yield_per(1000):
        if entry.seq is None:  # the old global chain
            if chains:
                return Verdict(
                    False,
                    checked,
                    entry.id,
                    "an entry of the old format after the per-organisation chains began (inserted)",
                )
            prev = old_prev
        elif entry.chain is None:
            return Verdict(False, checked, entry.id, "is numbered in a chain but names none (it was changed)")
        else:
            state = chains.get(entry.chain)
            want_seq, prev = (1, old_prev) if state is None else (state[0] + 1, state[1])
            if entry.seq != want_seq:
                return Verdict(
                    False,
                    checked,
                    entry.id,
                    f"is entry {entry.seq} of its organisation's chain where "
                    f"{want_seq} belongs (one was removed, inserted or moved)",
                )
        if entry.prev_hash != prev:
            return Verdict(False, checked, entry.id, "does not follow the entry before it (one was removed or moved)")
        if not _entry_ok(key, entry):
            if stored is None and checked == 0 and not _newest_ok(session, key):
                return Verdict(False, 0, None, MISMATCH_LIKELY, key_mismatch=True)  # (databases before 0012)
            return Verdict(False, checked, entry.id, "its content was changed")
        if entry.seq is None or entry.chain is None:
            old_prev = entry.hash
        else:
            chains[entry.chain] = (entry.seq, entry.hash)
            place = (entry.chain, entry.seq)
            if place in expected:
                w = expected.pop(place)
                if not hmac.compare_digest(w.hash, entry.hash):
                    return Verdict(
                        False,
                        checked,
                        entry.id,
                        f"differs from the witness of organisation "
                        f"{entry.chain}'s entry {entry.seq} ({w.at}): the "
                        "trail was rewritten",
                    )
                matched += 1
        checked += 1
    old_head = session.scalar(_OLD_HEAD)
    if old_head is not None and old_head != old_prev:
        return Verdict(False, checked, None, "the chain's last entries were removed (the old global chain)")
    head_rows = {
        chain: (seq, last)
        for chain, seq, last in session.execute(select(_heads.c.chain, _heads.c.seq, _heads.c.last_hash))
    }
    for chain in sorted(set(head_rows) | set(chains)):
        head, have = head_rows.get(chain), chains.get(chain)
        if head is not None and head[0] == 0 and have is None:
            continue  # a chain whose first entry has not been written yet
        if head != have:
            return Verdict(
                False,
                checked,
                None,
                f"the chain's last entries were removed (organisation {chain}: its "
                f"head is at entry {head[0] if head else 'none'}, its entries end "
                f"at {have[0] if have else 0})",
            )
    if expected:
        w = min(expected.values(), key=lambda w: (w.chain, w.seq))
        have_seq = chains.get(w.chain, (0, ""))[0]
        return Verdict(
            False,
            checked,
            None,
            f"the chain's last entries were removed: organisation {w.chain}'s "
            f"entry {w.seq} was witnessed ({w.at}) but its chain ends at entry "
            f"{have_seq} (truncated)",
        )
    return Verdict(True, checked, chains=len(chains), witnessed=matched)


MISMATCH = (
    "the audit key does not match this database (another key, or a copy of the database without its "
    "own key): this says nothing about the entries"
)
MISMATCH_LIKELY = (
    "neither the first nor the newest entry matches the audit key: most likely another key than "
    "this database's (this says nothing about the entries)"
)


def _newest_ok(session: Session, key: bytes) -> bool:
    newest = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).first()
    return newest is not None and _entry_ok(key, newest)


def for_case(session: Session, *, case_id: int, limit: int = 200) -> list[AuditEntry]:
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.case_id == case_id).order_by(AuditEntry.id.desc()).limit(limit)
        )
    )
