"""The operator's commands: the schema, the audit trail, keys, an organisation's flow and settings."""

from __future__ import annotations

import argparse
import sys

from bot.cli.common import _org_config
from bot.settings import Settings


def _db(args: argparse.Namespace, settings: Settings) -> int:
    """db current | history | upgrade: where the schema is, the migrations this release has, and migrating."""
    from storage.db import Store, current_revision, head_revision, history, known_revision, sqlite_path

    path = sqlite_path(settings.database_url)
    exists = path is None or path.exists()
    if args.db_command == "upgrade":
        return _db_upgrade(settings, created=not exists)
    if not exists:
        print(f"no database at {path}: `meldcode db upgrade` creates one", file=sys.stderr)
        return 1
    store = Store.from_url(settings.database_url)
    try:
        current, head = current_revision(store.engine), head_revision(store.engine)
        if args.db_command == "history":
            for revision, _down, doc in history(store.engine):
                mark = " (current)" if revision == current else ""
                print(f"{revision}{mark}  {doc}")
            return 0
        if current is None:
            print(f"{settings.database_label}: no schema yet (this release: {head}); run `meldcode db upgrade`")
        elif not known_revision(store.engine, current):
            print(f"{settings.database_label}: revision {current}, newer than this release ({head})")
        elif current == head:
            print(f"{settings.database_label}: revision {current} (up to date)")
        else:
            print(f"{settings.database_label}: revision {current}; this release has {head}: run `meldcode db upgrade`")
        return 0
    finally:
        store.dispose()


def _db_upgrade(settings: Settings, *, created: bool) -> int:
    from bot.startup import open_store
    from storage.db import Store, current_revision

    probe = Store.from_url(settings.database_url)
    try:
        before = current_revision(probe.engine)
    finally:
        probe.dispose()
    store = open_store(settings, create=True)  # the keys are checked against the database before any migration
    after = current_revision(store.engine)
    store.dispose()
    if created or before is None:
        print(f"created the database schema in {settings.database_label} (revision {after})")
    elif before != after:
        print(f"migrated {settings.database_label} from revision {before} to {after}")
    else:
        print(f"database schema is up to date (revision {after})")
    return 0


def _audit(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from bot.startup import open_store
    from storage import audit as audit_repo
    from storage import crypto
    from storage.witness import WitnessFileError, read

    store = open_store(settings, check_audit_key=False)  # a wrong audit key is verify's verdict to give
    if args.audit_command == "witness":
        written = store.witness_heads()
        print(
            f"{written} chain head(s) witnessed"
            + (
                f" in {settings.audit_witness}"
                if settings.audit_witness
                else " (in the log; set MELDCODE_AUDIT_WITNESS for a file)"
            )
        )
        return 0
    source = Path(args.witness) if args.witness else settings.audit_witness
    witnesses = []
    if source is not None and (args.witness or source.exists()):
        try:
            witnesses = read(source)
        except WitnessFileError as exc:
            print(f"cannot use the witness: {exc}", file=sys.stderr)
            return 2
    with store.transaction() as session:
        verdict = audit_repo.verify(session, key=crypto.active().audit(), witnesses=witnesses)
    against = f"; {verdict.witnessed} of {len(witnesses)} witness line(s) from {source} matched" if witnesses else ""
    if verdict.ok:
        print(f"audit trail intact: {verdict.checked} entries in {verdict.chains} organisation chain(s){against}")
        return 0
    if verdict.key_mismatch:
        print(
            f"audit key MISMATCH: {verdict.reason}. Use the key file that belongs to this database, then verify again."
        )
        return 3
    where = f"entry {verdict.first_broken}" if verdict.first_broken else "its end"
    print(f"audit trail BROKEN at {where}: {verdict.reason} ({verdict.checked} entries before it are intact)")
    return 1


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    from bot.startup import open_store
    from storage import crypto
    from storage.crypto import KeyRing, append_key

    if args.keys_command == "new":
        print(KeyRing.new_entry(args.id))
        return 0
    store = open_store(settings)
    ring = crypto.active()
    if settings.encryption_keys:
        print(
            "keys come from MELDCODE_KEYS: the last entry is current; add one made with `meldcode keys new`"
            " at the end before rotating. Re-encrypting to the current key."
        )
    elif settings.key_file is not None:
        ring = append_key(settings.key_file)
        crypto.use(ring)
    changed = store.reseal(ring)
    print(
        f"re-encrypted {changed} value(s) with key {ring.current}; older keys can be removed once no "
        f"backup made before now needs reading"
    )
    return 0


def _flow(args: argparse.Namespace, settings: Settings) -> int:
    """Show, or (hosted) set, the meldcode variant an organisation follows: a folder in flows/definitions."""
    from bot.startup import open_store
    from flows.loader import FlowDefinitionError, load_all
    from flows.translate import load_translations
    from storage import organisations as org_repo

    store = open_store(settings)
    config = _org_config(settings, args, store)
    with store.transaction() as session:
        org = org_repo.get_organisation(session, key=config.key)
        if org is None:
            print("no data for this organisation yet", file=sys.stderr)
            return 1
        if not args.variant:
            print(org.flow_id)
            return 0
        if not settings.oauth:
            print("one organisation: set organisation.flow in its config file", file=sys.stderr)
            return 2
        try:
            load_translations(load_all(flow_id=args.variant), flow_id=args.variant)
        except FlowDefinitionError as exc:
            print(f"not a usable flow: {exc}", file=sys.stderr)
            return 1
        other = org_repo.flow_ids_in_use(session, org_id=org.id) - {args.variant}
        if other:
            print(
                f"cases of this organisation follow {', '.join(sorted(other))}; a case keeps its flow, so "
                "the variant can change only before the first case (or after the last is purged)",
                file=sys.stderr,
            )
            return 1
        org_repo.set_flow(session, org=org, flow_id=args.variant)
    print(f"{config.name} follows {args.variant} from now on (restart the replicas to pick it up)")
    return 0


def _settings(args: argparse.Namespace, settings: Settings) -> int:
    """Show, or (hosted) set from a YAML file, an organisation's settings (office hours, retention, ...)."""
    from bot.config import ConfigError, hosted_config
    from bot.startup import open_store
    from storage import organisations as org_repo

    store = open_store(settings)
    config = _org_config(settings, args, store)
    if not args.file:
        print(
            f"office_hours: {config.office_hours[0]:%H:%M}-{config.office_hours[1]:%H:%M}; retention_months: "
            f"{config.retention_months}; training_every_months: {config.training_every_months}; "
            f"evaluation_month: {config.evaluation_month}"
        )
        return 0
    if not settings.oauth:
        print("one organisation: its settings are in its config file (MELDCODE_CONFIG)", file=sys.stderr)
        return 2
    from pathlib import Path

    text = Path(args.file).read_text(encoding="utf-8")
    try:
        hosted_config(
            key=config.key, name=config.name, timezone=config.timezone, flow_id=config.flow_id, settings_yaml=text
        )
    except (ConfigError, ValueError) as exc:
        print(f"settings not stored: {exc}", file=sys.stderr)
        return 1
    with store.transaction() as session:
        org_repo.set_settings(session, org=org_repo.organisation(session, key=config.key), settings_yaml=text)
    print(f"settings of {config.name} stored (restart the replicas to pick them up)")
    return 0
