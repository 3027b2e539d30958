"""Do the keys at hand open this database? Checked before the bot starts, so that a database copied without its
key (or a mistyped key file) is refused with a clear message, instead of a fresh key being made and the first
read failing: keys never silently fork.

Sealed values carry their key id (`mc1:<id>:…`), so a sample of them tells which keys the data needs; opening
that sample tells whether a key with the right id is also the right key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from storage.crypto import ENCRYPTED_COLUMNS, PREFIX, KeyError_, KeyRing

# Beside the case data: DMs waiting in the outbox are sealed too.
SEALED = (*ENCRYPTED_COLUMNS, ("outbox", "message", True))
SAMPLE = 20  # the newest and the oldest values of each column: rotation re-seals everything, so they tell


@dataclass
class KeyReport:
    holds_data: bool = False  # sealed values, or an audit trail
    needed: set[str] = field(default_factory=set)  # key ids the sampled values were sealed with
    missing: set[str] = field(default_factory=set)  # needed, and not in the key ring
    wrong: set[str] = field(default_factory=set)  # in the ring, but it does not open their values
    checked: int = 0  # sampled values opened
    samples: list[tuple[str, str]] = field(default_factory=list, repr=False)  # (sealed value, its column)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.wrong

    def opened_with(self, ring: KeyRing) -> KeyReport:
        """The same sample tried with `ring`: which needed keys are missing, which do not open their values."""
        report = KeyReport(holds_data=self.holds_data, needed=set(self.needed), samples=self.samples)
        for token, context in self.samples:
            kid = token.split(":", 2)[1]
            if kid not in ring.keys:
                report.missing.add(kid)
                continue
            try:
                ring.decrypt(token, context)
                report.checked += 1
            except KeyError_:
                report.wrong.add(kid)
        return report


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def examine(engine: Engine, ring: KeyRing | None = None) -> KeyReport:
    """Sample the sealed values (and whether an audit trail exists); with a ring, try to open them."""
    report = KeyReport()
    tables = _tables(engine)
    with engine.connect() as conn:
        if "audit_log" in tables and conn.execute(text("SELECT 1 FROM audit_log LIMIT 1")).first():
            report.holds_data = True
        for table, column, _ in SEALED:
            if table not in tables:
                continue
            quoted = conn.dialect.identifier_preparer.quote(column)
            rows: list[object] = []
            for order in ("DESC", "ASC"):
                rows += (
                    conn.execute(
                        text(
                            f"SELECT {quoted} FROM {table} WHERE {quoted} IS NOT NULL "
                            f"ORDER BY id {order} LIMIT {SAMPLE}"
                        )
                    )
                    .scalars()
                    .all()
                )
            for token in rows:
                if not isinstance(token, str) or not token.startswith(PREFIX + ":"):
                    continue  # plaintext from before encryption: a migration seals it
                report.holds_data = True
                report.needed.add(token.split(":", 2)[1])
                report.samples.append((token, f"{table}.{column}"))
    return report.opened_with(ring) if ring is not None else report
