"""Wire settings, config, flows, storage and a Chat into a ready conversation service."""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.chat import Chat
from bot.config import OrgConfig, load_config
from bot.errors import StartupError
from bot.service import ConversationService, utcnow
from bot.settings import Settings
from flows.loader import load_all
from storage import audit as audit_repo
from storage import crypto, keycheck
from storage.crypto import AUDIT_KEY_ID, KeyError_, KeyRing, append_key, create_key_file, load_key_file
from storage.db import Store, current_revision, head_revision, known_revision, sqlite_path
from storage.posted import PostedJournal
from storage.witness import Witness

log = logging.getLogger(__name__)


class SchemaOutOfDate(StartupError):
    pass


class NoDatabase(StartupError):
    pass


class SchemaTooNew(StartupError):
    pass


class MissingKey(StartupError):
    pass


def where_keys_are(settings: Settings) -> str:
    if settings.encryption_keys:
        return "keys come from MELDCODE_KEYS"
    where = (
        f"MELDCODE_KEY_FILE={settings.key_file}"
        if settings.key_file_given
        else f"the key file {settings.key_file} (MELDCODE_KEY_FILE, default: beside the database)"
    )
    return f"keys are looked for in MELDCODE_KEYS, then {where}"


def keys_at_hand(settings: Settings) -> KeyRing | None:
    """The keys given: MELDCODE_KEYS, else an existing key file; None when there are none (none is ever made here)."""
    if settings.encryption_keys:
        return KeyRing.parse(settings.encryption_keys)
    if settings.key_file and settings.key_file.exists():
        try:
            return load_key_file(settings.key_file)
        except KeyError_ as exc:
            raise MissingKey(f"MELDCODE_KEY_FILE: {settings.key_file}: {exc}") from None
    return None


def load_keys(settings: Settings, store: Store | None = None) -> KeyRing:
    """The encryption keys, from MELDCODE_KEYS or the key file, made active for this process. The embedded default
    creates an owner-only key file, but only for a database that holds nothing sealed yet; with a server database
    a key is required. Given the database, keys that cannot open its values are refused: a copy of the
    database without its key, or a mistyped key file, never gets a fresh key that forks the data."""
    report = keycheck.examine(store.engine) if store is not None else None
    given = keys_at_hand(settings)
    if given is not None:
        ring = given
    elif report is not None and report.holds_data:
        raise MissingKey(
            f"no key for this database: {settings.database_label} holds encrypted data "
            f"(sealed with key(s) {', '.join(sorted(report.needed)) or 'unknown'}, and an audit trail) "
            f"but {where_keys_are(settings)}, and there is none. Restore the key file that belongs to "
            "this database (or point MELDCODE_KEY_FILE at it); a new key cannot read this data, so "
            "none was made"
        )
    elif settings.embedded_database and settings.key_file:
        ring = create_key_file(settings.key_file)
        log.warning(
            "created encryption key file %s (readable by its owner only); back it up apart from "
            "the database: without it the case data cannot be read",
            settings.key_file,
        )
    else:
        raise MissingKey(
            "no encryption key: set MELDCODE_KEYS or MELDCODE_KEY_FILE (see README); "
            "refusing to start with a server database and no key"
        )
    if ring.audit_key is None:
        if settings.encryption_keys:
            raise MissingKey(
                "MELDCODE_KEYS has no 'audit:' entry, the audit trail's key (make one with `meldcode keys new audit`)"
            )
        if report is not None and report.holds_data:
            raise MissingKey(
                f"the key file {settings.key_file} has no 'audit:' entry, but {settings.database_label} "
                "has an audit trail: restore the key file that belongs to this database"
            )
        if settings.key_file is None:
            raise MissingKey("no key file to add the audit trail's key to: set MELDCODE_KEY_FILE")
        ring = append_key(settings.key_file, AUDIT_KEY_ID)
    if report is not None:
        opened = report.opened_with(ring)
        if not opened.ok:
            need = ", ".join(sorted(opened.needed))
            problem = []
            if opened.missing:
                problem.append(
                    f"key(s) {', '.join(sorted(opened.missing))} are not among the keys given "
                    f"({', '.join(sorted(ring.keys))})"
                )
            if opened.wrong:
                problem.append(
                    f"key(s) {', '.join(sorted(opened.wrong))} have the right id but do not open the "
                    "values (another key with the same id)"
                )
            raise MissingKey(
                f"the keys do not open this database: {settings.database_label} needs key(s) {need}; "
                f"{'; '.join(problem)}; {where_keys_are(settings)}"
            )
    crypto.use(ring)
    return ring


def open_store(
    settings: Settings,
    *,
    create: bool = False,
    check_audit_key: bool = True,
    request_timeout: float | None = None,
) -> Store:
    """Only the console and `meldcode db upgrade` create or migrate a database (`create`); every other command
    refuses, in one line, one that does not exist, is not migrated, or is newer than this code (so that a
    command started in the wrong folder never begins a new, empty database beside the real one). Keys that do
    not belong to the database are refused before anything is read or written. A server answering requests
    passes `request_timeout`: no statement, lock or connection attempt waits longer (storage.db.make_engine)."""
    path = sqlite_path(settings.database_url)
    if path is not None and not path.exists() and not create:
        raise NoDatabase(
            f"no database at {path}: `meldcode db upgrade` creates one (so does `meldcode console`); "
            "if it is elsewhere, set MELDCODE_DATA_DIR or DATABASE_URL"
        )
    store = Store.from_url(
        settings.database_url,
        witness=Witness(settings.audit_witness),
        request_timeout=request_timeout,
        journal=PostedJournal(settings.data_dir),
    )
    try:
        current, head = current_revision(store.engine), head_revision(store.engine)
        if current is not None and not known_revision(store.engine, current):
            raise SchemaTooNew(
                f"the database {settings.database_label} is at schema revision {current}, newer than this "
                f"meldcode knows (up to {head}): run the release that migrated it, or a newer one"
            )
        load_keys(settings, store)
        if current != head and not create:
            if current is None:
                raise NoDatabase(f"the database {settings.database_label} has no schema yet: run `meldcode db upgrade`")
            raise SchemaOutOfDate(
                f"the database schema is not up to date ({settings.database_label} is at revision {current}, "
                f"this release needs {head}): back it up, then run `meldcode db upgrade`"
            )
        if current != head:
            store.upgrade()
        if check_audit_key:
            with store.transaction() as session:
                verdict = audit_repo.check_key(session, key=crypto.active().audit())
            if verdict == "mismatch":
                raise MissingKey(
                    f"the audit key does not match this database ({settings.database_label}): "
                    f"{where_keys_are(settings)}; restore the key file that belongs to this database"
                )
    except Exception:
        store.dispose()
        raise
    return store


def build_service(
    settings: Settings,
    chat: Chat,
    *,
    config: OrgConfig | None = None,
    clock: Callable = utcnow,
    store: Store | None = None,
    entry_point: str = "console",
    create: bool = False,
) -> ConversationService:
    config = config or load_config(settings.config_path)
    if config.is_demo:
        log.warning("no MELDCODE_CONFIG set: using the demo organisation")
    service = ConversationService(
        store=store or open_store(settings, create=create),
        flows=load_all(flow_id=config.flow_id),
        org=config,
        chat=chat,
        clock=clock,
        entry_point=entry_point,
    )
    service.bootstrap()
    return service
