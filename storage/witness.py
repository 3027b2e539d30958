"""The audit witness: each organisation's chain head written outside the database, to the log and to one
owner-only file (MELDCODE_AUDIT_WITNESS), every storage.audit.WITNESS_EVERY entries and daily.

Whoever can rewrite the database can remove the newest audit entries together with their head row, and the
chain still verifies. A witness line holds what the database held at that moment (organisation, entry number,
head hash, time): `meldcode audit verify --witness FILE` finds any entry behind it missing or different.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import threading
from collections.abc import Iterable
from pathlib import Path

from storage.audit import Head, Witnessed

log = logging.getLogger("meldcode.audit")
log.setLevel(logging.INFO)  # witness lines are written whatever MELDCODE_LOG_LEVEL holds back


class WitnessFileError(Exception):
    """A witness file that cannot be read as one (named with its line)."""


class Witness:
    def __init__(self, path: Path | None = None):
        self.path = path
        self._lock = threading.Lock()

    def write(self, heads: Iterable[Head], *, restored: bool = False) -> int:
        """One line per head, to the log and (when configured) the file; returns how many were written.
        `restored`: the database was just restored from a backup whose chains end at these heads, so a later
        `audit verify --witness` does not read the entries lost with the restore as a truncation."""
        lines = [
            json.dumps(
                {
                    "org": h.chain,
                    "entry": h.seq,
                    "head": h.hash,
                    "at": h.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                    **({"restored": True} if restored else {}),
                }
            )
            for h in heads
            if h.seq > 0
        ]
        for line in lines:
            log.info("audit witness %s", line)
        if self.path is not None and lines:
            try:
                with self._lock:
                    # O_APPEND: replicas sharing the file each add whole lines.
                    fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                    try:
                        os.write(fd, ("\n".join(lines) + "\n").encode())
                        os.fsync(fd)
                    finally:
                        os.close(fd)
            except OSError as exc:  # the database has the entries; the next witness line will try again
                log.error("could not write the audit witness file: %s", type(exc).__name__)
        return len(lines)


def read(path: Path) -> list[Witnessed]:
    """The witness lines of a file (log lines that carry one are understood too)."""
    out = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WitnessFileError(f"cannot read {path}: {exc.strerror or type(exc).__name__}") from None
    for number, line in enumerate(text.splitlines(), 1):
        start = line.find("{")
        if not line.strip() or start < 0:
            continue
        try:
            entry = json.loads(line[start:])
            if isinstance(entry, dict) and "org" not in entry and "audit witness" in str(entry.get("message", "")):
                message = entry["message"]  # a JSON log line (MELDCODE_LOG_FORMAT=json) carrying a witness
                entry = json.loads(message[message.index("{") :])
            elif isinstance(entry, dict) and "org" not in entry:
                continue  # another JSON log line
            out.append(
                Witnessed(
                    int(entry["org"]),
                    int(entry["entry"]),
                    str(entry["head"]),
                    str(entry.get("at", "")),
                    restored=entry.get("restored") is True,
                )
            )
        except (ValueError, KeyError, TypeError):
            if "audit witness" in line or start == 0:
                raise WitnessFileError(f"{path}, line {number}: not a witness line") from None
    return out
