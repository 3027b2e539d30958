"""Backup and restore: one owner-only archive (tar) holding a consistent copy of the database and a manifest
of what it needs and holds: the schema revision, the key ids its sealed values need (never a key), the value
derived from the audit key, every organisation's audit chain head and the row counts, all read from the
very snapshot that was copied.

SQLite: the online backup API copies the live database page by page while the bot runs (consistent: the copy
is one transaction's view). PostgreSQL: `pg_dump --format=custom` of a snapshot exported from the transaction
that reads the manifest (`pg_export_snapshot()`), so the dump and its manifest describe the same moment.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from storage import audit, keycheck
from storage.db import sqlite_path

FORMAT = 1
MANIFEST = "manifest.json"
COUNTED = ("organisations", "people", "cases", "answers", "signals", "audit_log")


class BackupError(Exception):
    """Said to the operator in one line."""


@dataclass
class Manifest:
    format: int
    created: str
    release: str
    engine: str  # sqlite | postgresql
    revision: str | None
    key_ids: list[str]  # the keys the sealed values need (ids only)
    audit_key_check: str | None  # a value derived from the audit key (storage.audit.key_check_value)
    heads: list[dict] = field(default_factory=list)  # {"org": chain, "entry": seq, "head": hash}
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        data = json.loads(raw)
        if data.get("format") != FORMAT:
            raise BackupError(f"not a meldcode backup of format {FORMAT} (format {data.get('format')!r})")
        return cls(**data)


def _describe(conn, engine_name: str, release: str) -> Manifest:
    """The manifest, read through `conn` (the snapshot that is copied)."""
    tables = set(inspect(conn).get_table_names())
    heads = []
    if "audit_heads" in tables:
        for chain, seq, last in conn.execute(text("SELECT chain, seq, last_hash FROM audit_heads ORDER BY chain")):
            if seq:
                heads.append({"org": chain, "entry": seq, "head": last})
    check = None
    if "key_checks" in tables:
        check = conn.execute(text("SELECT value FROM key_checks WHERE name = 'audit'")).scalar()
    counts = {t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in COUNTED if t in tables}
    revision = (
        conn.execute(text("SELECT version_num FROM alembic_version")).scalar() if "alembic_version" in tables else None
    )
    return Manifest(
        format=FORMAT,
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        release=release,
        engine=engine_name,
        revision=revision,
        key_ids=[],
        audit_key_check=check,
        heads=heads,
        counts=counts,
    )


def _write_archive(target: Path, manifest: Manifest, payload: Path, name: str) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # owner-only; never over an older backup
    with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w") as archive:
        data = json.dumps(asdict(manifest), indent=2).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mode, info.mtime = len(data), 0o600, int(dt.datetime.now().timestamp())
        archive.addfile(info, io.BytesIO(data))
        archive.add(payload, arcname=name, filter=lambda i: _private(i))
        handle.flush()
        os.fsync(handle.fileno())


def _private(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
    return info


def backup(url: str, target: Path, *, release: str, pg_bin: Path | None = None) -> Manifest:
    """Copy the database at `url` into the archive `target` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists already: a backup never overwrites another")
    with tempfile.TemporaryDirectory(prefix="meldcode-backup-") as work:
        os.chmod(work, 0o700)
        path = sqlite_path(url)
        if path is not None:
            copy = Path(work) / "meldcode.db"
            source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            dest = sqlite3.connect(copy)
            try:
                source.backup(dest)  # online: the bot keeps writing meanwhile
            finally:
                dest.close()
                source.close()
            engine = create_engine(f"sqlite:///{copy}")
            try:
                with engine.connect() as conn:
                    manifest = _describe(conn, "sqlite", release)
                manifest.key_ids = sorted(keycheck.examine(engine).needed)
            finally:
                engine.dispose()
            _write_archive(target, manifest, copy, "meldcode.db")
            return manifest
        engine = create_engine(url)
        dump = Path(work) / "database.pgdump"
        try:
            with engine.connect() as conn:
                conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
                snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar()
                manifest = _describe(conn, "postgresql", release)
                manifest.key_ids = sorted(keycheck.examine(engine).needed)  # key ids only change on rotation
                _pg(
                    "pg_dump", pg_bin, url, ["--format=custom", f"--snapshot={snapshot}", "--no-owner", "-f", str(dump)]
                )
                conn.rollback()
        finally:
            engine.dispose()
        _write_archive(target, manifest, dump, "database.pgdump")
        return manifest


def _pg(tool: str, pg_bin: Path | None, url: str, args: list[str]) -> None:
    program = str(pg_bin / tool) if pg_bin else shutil.which(tool)
    if not program:
        raise BackupError(f"{tool} is not installed (Debian: postgresql-client); set MELDCODE_PG_BIN to its folder")
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = parsed.password  # never on the command line, where `ps` shows it
    conninfo = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    host = parsed.query.get("host")
    if host:  # a socket folder given as ?host=: libpq reads it from PGHOST
        env["PGHOST"] = str(host)
        conninfo = parsed.set(drivername="postgresql", password=None, query={}).render_as_string(hide_password=False)
    if parsed.query.get("port"):
        env["PGPORT"] = str(parsed.query["port"])
    done = subprocess.run([program, f"--dbname={conninfo}", *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise BackupError(f"{tool}: {last}")


def read_manifest(archive: Path) -> Manifest:
    try:
        with tarfile.open(archive, mode="r") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise BackupError(f"{archive} holds no {MANIFEST}: not a meldcode backup")
            return Manifest.parse(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError, TypeError) as exc:
        raise BackupError(f"{archive} is not a meldcode backup ({type(exc).__name__})") from None


def is_empty(url: str) -> bool:
    path = sqlite_path(url)
    if path is not None:
        return not path.exists() or path.stat().st_size == 0
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return not inspect(conn).get_table_names()
    finally:
        engine.dispose()


def restore_into(archive: Path, url: str, *, pg_bin: Path | None = None) -> Engine:
    """Put the archive's database at `url` (empty); returns an engine on it. `discard(url)` undoes it."""
    manifest = read_manifest(archive)
    path = sqlite_path(url)
    with tarfile.open(archive, mode="r") as tar:
        if path is not None:
            if manifest.engine != "sqlite":
                raise BackupError("this backup is of a PostgreSQL database: restore it into one (DATABASE_URL)")
            member = tar.extractfile("meldcode.db")
            if member is None:
                raise BackupError(f"{archive} holds no database")
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                shutil.copyfileobj(member, handle)
                handle.flush()
                os.fsync(handle.fileno())
            return create_engine(f"sqlite:///{path}")
        if manifest.engine != "postgresql":
            raise BackupError("this backup is of an SQLite database: restore it into one (MELDCODE_DATA_DIR)")
        with tempfile.TemporaryDirectory(prefix="meldcode-restore-") as work:
            member = tar.extractfile("database.pgdump")
            if member is None:
                raise BackupError(f"{archive} holds no database")
            dump = Path(work) / "database.pgdump"
            with open(dump, "wb") as handle:
                shutil.copyfileobj(member, handle)
            _pg("pg_restore", pg_bin, url, ["--no-owner", "--exit-on-error", "--single-transaction", str(dump)])
    return create_engine(url)


def discard(url: str) -> None:
    """Remove a restore that was refused (the target was empty before it)."""
    path = sqlite_path(url)
    if path is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def audit_state(engine: Engine, key: bytes) -> tuple[audit.Verdict, list[tuple[int, int, str]]]:
    """The restored audit trail verified with `key`, and where each organisation's chain ends."""
    with Session(engine) as session:
        verdict = audit.verify(session, key=key)
        heads = [(h.chain, h.seq, h.hash) for h in audit.heads(session) if h.seq]
    return verdict, heads
