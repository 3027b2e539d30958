"""Engines, sessions and migrations: SQLite (WAL, synchronous=FULL) by default, PostgreSQL by URL."""

from __future__ import annotations

import collections
import contextlib
import contextvars
import logging
import os
import threading
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from storage import audit
from storage.posted import PostedJournal
from storage.rekey import checkpoint, reseal
from storage.witness import Witness

log = logging.getLogger(__name__)

# Re-exported so that callers outside storage/ can catch database failures without SQLAlchemy.
DatabaseError = SQLAlchemyError
DatabaseUnavailable = OperationalError
ConcurrentChange = StaleDataError  # the case moved on in another transaction (optimistic lock)


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for a server database or an in-memory one)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[-1].split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def _owner_only(path: Path) -> None:
    """The database file, its WAL and shared-memory files are for their owner only, like the key file. SQLite
    gives the -wal and -shm files the mode of the database file, so creating that one 0600 suffices; a file
    made before this rule is tightened."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for candidate in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        try:
            if candidate.stat().st_mode & 0o077:
                candidate.chmod(0o600)
                log.warning("%s was readable by others: made owner-only", candidate)
        except FileNotFoundError:
            pass


# The moment by which the current request must have its answer ready (time.monotonic()), set by an adapter for a
# request a platform waits on (Slack: 3 s): waiting for a turn and the transaction itself are bounded by it, and
# what cannot commit in time is rolled back and the user told it is busy, rather than answered after Slack gave up.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("deadline", default=None)
_arrived: contextvars.ContextVar[float | None] = contextvars.ContextVar("arrived", default=None)
WORK_MARGIN = 0.4  # of the remaining time, kept for the transaction itself after its turn came


def request_arrived(at: float | None) -> None:
    """When the server took the request in (time.monotonic()), before it waited for a thread: the deadline counts
    from then. Set by the HTTP server for each request (None where it cannot tell)."""
    _arrived.set(at)


def current_arrival() -> float | None:
    return _arrived.get()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Within the block, transactions are done `seconds` after the request's arrival (or after now, when the
    server could not tell), or not at all."""
    token = _deadline.set((_arrived.get() or time.monotonic()) + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def make_engine(url: str, *, request_timeout: float | None = None) -> Engine:
    """`request_timeout` (seconds), for a server answering requests: a statement, a lock wait, a connection attempt
    and SQLite's busy wait give up after it, so nothing hangs a request past the platform's limit."""
    # hide_parameters: SQLAlchemy puts a statement's parameters into the text of its exceptions, so a logged
    # error would carry whatever was bound (typed text, before it is sealed).
    if url.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None:
            _owner_only(path)
        # LIFO: the connection used last is used next, its page cache warm (FIFO alternated between two,
        # each re-reading what the other wrote).
        busy = int((request_timeout or 30) * 1000)
        engine = create_engine(url, connect_args={"timeout": busy / 1000}, pool_use_lifo=True, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" below decide how to begin
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")  # readers do not block the writer
            cur.execute("PRAGMA synchronous=FULL")  # the last commits survive a power loss
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA secure_delete=ON")  # overwritten case text does not linger in free pages
            cur.execute(f"PRAGMA busy_timeout={busy}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn) -> None:
            # Take the write lock up front: a transaction that read and then writes could otherwise
            # fail with SQLITE_BUSY_SNAPSHOT when another writer committed in between.
            # Straight to the driver: it is the first statement of every event, and SQLAlchemy's execution
            # machinery costs ten times the statement here.
            conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE")

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    connect_args = {}
    if request_timeout is not None:
        ms = int(request_timeout * 1000)
        connect_args = {
            "connect_timeout": max(2, int(request_timeout)),  # libpq's least
            "options": f"-c statement_timeout={ms} -c lock_timeout={ms}",
        }
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_use_lifo=True,  # LIFO: spare connections can time out
        hide_parameters=True,
        connect_args=connect_args,
    )


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("storage") / "migrations"))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(_alembic_config(engine), revision)


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(_alembic_config(engine)).get_current_head()


def known_revision(engine: Engine, revision: str) -> bool:
    """Whether this code's migrations know `revision` (a database migrated by a newer release does not)."""
    from alembic.util.exc import CommandError

    try:
        return ScriptDirectory.from_config(_alembic_config(engine)).get_revision(revision) is not None
    except (CommandError, KeyError):
        return False


def history(engine: Engine) -> list[tuple[str, str | None, str]]:
    """Every migration, oldest first: (revision, the one before it, its first docstring line)."""
    script = ScriptDirectory.from_config(_alembic_config(engine))
    out = []
    for rev in script.walk_revisions():
        down = rev.down_revision if isinstance(rev.down_revision, str) or rev.down_revision is None else None
        out.append((rev.revision, down, (rev.doc or "").strip().splitlines()[0] if rev.doc else ""))
    return out[::-1]


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


class FairLock:
    """A lock handed to its waiters in the order they came: under a burst, no request waits for many others
    that came after it (threading.Lock wakes an arbitrary waiter; measured p99 twice the p50)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: collections.deque[threading.Lock] = collections.deque()
        self._held = False

    def acquire(self, timeout: float | None = None) -> bool:
        """True once the lock is ours; False when `timeout` seconds passed first (and it will not become ours)."""
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=-1 if timeout is None else timeout):
            return True  # released by the holder before us: the lock is ours from then on
        with self._mutex:
            if turn in self._waiters:
                self._waiters.remove(turn)
                return False
        turn.acquire()  # handed over to us just as we gave up: ours after all
        return True

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *exc: object) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # hand over directly; it stays held
            else:
                self._held = False


class DatabaseBusy(OperationalError):
    """The transaction did not get its turn in time: the caller says so at once rather than after Slack gave up."""

    def __init__(self, waited: float):
        super().__init__(f"no turn within {waited} s", None, TimeoutError())


class Store:
    """One engine and a session factory; each inbound event gets one transaction via `transaction()`."""

    def __init__(
        self,
        engine: Engine,
        *,
        wait_seconds: float = 2.0,
        witness: Witness | None = None,
        journal: PostedJournal | None = None,
    ):
        self.engine = engine
        self.witness = witness or Witness()  # the audit chains' heads, written outside the database
        self.journal = journal or PostedJournal(None)  # DMs posted while their record could not be written
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        # A process runs one transaction at a time, the others queue in arrival order. SQLite has one writer
        # anyway, and its busy handler waits by sleeping in growing steps; this lock wakes the next one the
        # moment the last ends. On PostgreSQL every event appends to the one audit chain, so its transactions
        # take turns on the head row anyway; run side by side, each of their round trips also waits for the
        # GIL behind the others while holding that row (measured: p99 at 50 concurrent 3.4x worse; taking
        # turns only from the audit append on: 1.6x worse).
        self._serial = FairLock()
        # A transaction that hangs (a stalled disk, an unreachable server) must not hold up everyone behind it
        # past Slack's 3 s: who waits longer than this gets DatabaseBusy, and the user a message in time.
        self.wait_seconds = wait_seconds

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        witness: Witness | None = None,
        request_timeout: float | None = None,
        journal: PostedJournal | None = None,
    ) -> Store:
        return cls(make_engine(url, request_timeout=request_timeout), witness=witness, journal=journal)

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Session]:
        limit = _deadline.get()
        wait = self.wait_seconds
        if limit is not None:
            wait = min(wait, limit - time.monotonic() - WORK_MARGIN)
            if wait <= 0:
                raise DatabaseBusy(0)  # no time left to wait for a turn and do the work
        if not self._serial.acquire(timeout=wait):
            raise DatabaseBusy(self.wait_seconds)
        witnessed = None
        try:
            with self._sessions() as session:
                with session.begin():
                    yield session
                    if limit is not None and time.monotonic() > limit:
                        # Too late to answer in time: nothing is kept, and the user hears it is busy (the modal
                        # stays open with what they typed) instead of an answer that arrives after Slack gave up.
                        raise DatabaseBusy(0)
                witnessed = session.info.pop("audit_witness", None)  # committed: the heads may be witnessed
        finally:
            self._serial.__exit__(None, None, None)
        if witnessed:
            self.witness.write(witnessed)

    def witness_heads(self) -> int:
        """Every organisation's audit chain head to the witness (daily, and on request)."""
        with self.transaction() as session:
            heads = audit.heads(session)
        return self.witness.write(heads)

    def ping(self) -> bool:
        """The database answers (for the load balancer's health check)."""
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except SQLAlchemyError:
            return False

    def is_current(self) -> bool:
        return current_revision(self.engine) == head_revision(self.engine)

    def upgrade(self) -> None:
        upgrade(self.engine)
        checkpoint(self.engine)  # a migration may have sealed plaintext: leave none of it in the WAL

    def reseal(self, ring) -> int:
        """Key rotation: every sealed value under the current key, in one transaction; no plaintext left behind."""
        with self.engine.begin() as conn:
            changed = reseal(conn, ring)
        checkpoint(self.engine)
        return changed

    def dispose(self) -> None:
        self.engine.dispose()
