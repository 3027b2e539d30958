"""The embedded database's writers take turns in the order they came (no request starves under a burst)."""

from __future__ import annotations

import threading
import time

from storage.db import FairLock


def test_writers_get_the_lock_in_the_order_they_asked_for_it():
    lock, order = FairLock(), []

    def writer(n: int) -> None:
        with lock:
            order.append(n)

    lock.__enter__()  # a transaction is running
    threads = []
    for n in range(12):
        thread = threading.Thread(target=writer, args=(n,))
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 10
        while len(lock._waiters) < n + 1:  # the next writer comes only once this one waits in line
            assert time.monotonic() < deadline
            time.sleep(0.001)
    lock.__exit__(None, None, None)
    for thread in threads:
        thread.join(timeout=10)
    assert order == list(range(12))
    with lock:  # free again, and taken at once
        pass


def test_a_writer_that_gives_up_waiting_leaves_the_line_and_the_next_one_gets_the_lock():
    lock, got = FairLock(), []
    lock.__enter__()  # a transaction that hangs
    assert lock.acquire(timeout=0.05) is False  # gave up: the caller tells its user in time
    patient = threading.Thread(target=lambda: got.append(lock.acquire(timeout=10)))
    patient.start()
    deadline = time.monotonic() + 10
    while not lock._waiters:
        assert time.monotonic() < deadline
        time.sleep(0.001)
    assert len(lock._waiters) == 1  # the one who gave up is no longer in line
    lock.__exit__(None, None, None)
    patient.join(timeout=10)
    assert got == [True]
    assert lock.acquire(timeout=0.05) is False  # held by the patient one now
    lock.__exit__(None, None, None)
    assert lock.acquire(timeout=0) is True


def test_the_database_file_and_its_wal_and_shm_are_owner_only(tmp_path):
    """Hardening finding 4: the SQLite file was created 0644 (its key file 0600)."""
    import os
    import stat

    from sqlalchemy import text

    from storage.db import Store

    os.umask(0o022)  # as a default shell has it
    store = Store.from_url(f"sqlite:///{tmp_path / 'data' / 'meldcode.db'}")
    store.upgrade()
    with store.engine.connect() as conn:  # the WAL and shared-memory files exist while a connection is open
        conn.execute(text("SELECT 1"))
        files = sorted(p.name for p in (tmp_path / "data").iterdir())
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "data").iterdir()}
    store.dispose()
    assert files == ["meldcode.db", "meldcode.db-shm", "meldcode.db-wal"]
    assert modes == {name: 0o600 for name in files}
    assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700


def test_a_database_file_made_readable_by_others_is_made_owner_only_again(tmp_path):
    import stat

    from storage.db import Store

    path = tmp_path / "meldcode.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Store.from_url(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
