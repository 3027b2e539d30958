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
