"""Shared fixtures: databases (SQLite and a throwaway PostgreSQL server), a clock, a service with a recording chat."""

from __future__ import annotations

import datetime as dt
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from bot.chat import RecordingChat
from bot.config import load_config
from bot.service import ConversationService
from flows.loader import load_all
from storage import crypto
from storage.crypto import KeyRing
from storage.db import Store

IN_CI = os.environ.get("CI") == "true"
# One key ring for the whole suite; subprocesses get the same keys through MELDCODE_KEYS.
TEST_KEYS = KeyRing.new_entry("audit") + "," + KeyRing.new_entry("test1")
crypto.use(KeyRing.parse(TEST_KEYS))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    """A PostgreSQL server binary: on the PATH, or in Debian's versioned folder."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


def _as_postgres(args: list[str]) -> list[str]:
    # initdb refuses to run as root: hand the work to the postgres user.
    args = [_pg_bin(args[0]) or args[0], *args[1:]]
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server for this test session, on a Unix socket in a temporary folder."""
    if not (_pg_bin("initdb") and _pg_bin("pg_ctl")):
        if IN_CI:
            pytest.fail("PostgreSQL binaries (initdb, pg_ctl) are missing; CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) are not installed")
    base = Path(tempfile.mkdtemp(prefix="meldcode-pg-"))
    if os.geteuid() == 0:
        pg = pwd.getpwnam("postgres")
        os.chown(base, pg.pw_uid, pg.pw_gid)
    port = _free_port()
    data = base / "data"
    subprocess.run(
        _as_postgres(["initdb", "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    subprocess.run(
        _as_postgres(
            [
                "pg_ctl",
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-w",
                "-o",
                f"-k {base} -p {port} -c listen_addresses='' -c fsync=off",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield {"host": str(base), "port": port}
    finally:
        subprocess.run(_as_postgres(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"]), capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server):
    """A fresh, empty database on the session's server, dropped afterwards."""
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = f"host={postgres_server['host']} port={postgres_server['port']} user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@/{name}?host={postgres_server['host']}&port={postgres_server['port']}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'meldcode.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(db_url):
    store = Store.from_url(db_url)
    store.upgrade()
    yield store
    store.dispose()


class FakeClock:
    """Time is a parameter: tests move it, nothing sleeps."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock():
    return FakeClock(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC))  # Monday 2 March 2026


@pytest.fixture
def chat():
    return RecordingChat()


@pytest.fixture
def service(store, chat, clock):
    svc = ConversationService(store=store, flows=load_all(), org=load_config(None), chat=chat, clock=clock)
    svc.bootstrap()
    return svc
