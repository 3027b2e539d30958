"""The posted-DM journal: which outbox DMs Slack accepted while the database could not record it.

A DM is posted after its event committed, then recorded as sent. Should the process die in between (killed, or
while the database is away and recording waits), the outbox row still says "sending", and after its lease another
process would post the DM a second time. So each post Slack accepted is first noted here, one outbox id per line,
in a file of this process (owner-only, fsynced); any later sender pass on this host records the ids of processes
that are gone as sent (recording twice changes nothing), and only then takes over what is left. It holds ids,
never content; a file is emptied once everything in it was recorded.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

log = logging.getLogger(__name__)
PREFIX = "outbox-posted-"


COMPACT_AT = 64 * 1024  # bytes: the own file is emptied at this size once nothing in it waits to be recorded


class PostedJournal:
    def __init__(self, folder: Path | None):
        self.folder = folder
        self._waiting = 0  # noted ids this process has not recorded yet
        self._lock = threading.Lock()

    def _own(self) -> Path:
        assert self.folder is not None
        return self.folder / f"{PREFIX}{os.getpid()}.ids"

    def add(self, message_id: int) -> None:
        """Slack accepted this outbox DM; it is about to be recorded."""
        if self.folder is None:
            return
        with self._lock:
            self._waiting += 1
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self._own(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, f"{int(message_id)}\n".encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:  # without the note, a later pass may post it again: at-least-once, as before
            log.warning("posted-DM journal not written: %s", type(exc).__name__)

    def recorded(self, message_id: int) -> None:
        """The DM is recorded as sent: its note is no longer needed (the file is emptied when none is)."""
        if self.folder is None:
            return
        with self._lock:
            self._waiting = max(0, self._waiting - 1)
            try:
                if self._waiting == 0 and self._own().stat().st_size > COMPACT_AT:
                    os.truncate(self._own(), 0)
            except OSError:
                pass

    def settle(self, record: Callable[[Iterable[int]], None]) -> int:
        """The ids noted by processes that are gone, handed to `record` (which marks them sent), then forgotten."""
        if self.folder is None or not self.folder.is_dir():
            return 0
        settled = 0
        for path in sorted(self.folder.glob(f"{PREFIX}*.ids")):
            pid_text = path.name[len(PREFIX) : -len(".ids")]
            if not pid_text.isdigit() or _alive(int(pid_text)):
                continue  # a live process records its own posts
            try:
                ids = [int(line) for line in path.read_text().split() if line.isdigit()]
                record(ids)
                path.unlink(missing_ok=True)
                settled += len(ids)
            except OSError as exc:
                log.warning("posted-DM journal not read: %s", type(exc).__name__)
        return settled


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: not ours to settle
    return True
