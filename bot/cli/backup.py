"""meldcode backup FILE / meldcode restore FILE: the database with what it needs and holds, never the keys."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from bot.settings import Settings


def _backup(args: argparse.Namespace, settings: Settings) -> int:
    from bot.cli import version
    from bot.startup import open_store
    from storage.backup import BackupError, backup

    open_store(settings, check_audit_key=False).dispose()  # refuses a missing, unmigrated or newer database
    target = Path(args.file)
    try:
        manifest = backup(settings.database_url, target, release=version(), pg_bin=settings.pg_bin)
    except BackupError as exc:
        print(f"backup refused: {exc}", file=sys.stderr)
        return 1
    heads = ", ".join(f"organisation {h['org']} at entry {h['entry']}" for h in manifest.heads) or "none yet"
    print(
        f"backed up {settings.database_label} to {target} (owner-only): {manifest.counts.get('cases', 0)} case(s), "
        f"{manifest.counts.get('audit_log', 0)} audit entries (chains: {heads}); it needs key(s) "
        f"{', '.join(manifest.key_ids) or 'none yet'} and the audit key, which are not in it: keep them apart"
    )
    return 0


def _restore(args: argparse.Namespace, settings: Settings) -> int:
    """Into an empty database only; refused (and nothing left behind) when the keys at hand cannot open the
    backup, or its audit chains do not verify up to the heads it recorded. Then a "restored" witness line."""
    from bot.startup import MissingKey, keys_at_hand, where_keys_are
    from storage import audit as audit_repo
    from storage import keycheck
    from storage.audit import Head
    from storage.backup import BackupError, audit_state, discard, is_empty, read_manifest, restore_into
    from storage.db import head_revision, known_revision
    from storage.witness import Witness

    archive = Path(args.file)

    def refuse(why: str) -> int:
        print(f"restore refused: {why}", file=sys.stderr)
        return 1

    try:
        manifest = read_manifest(archive)
    except BackupError as exc:
        return refuse(str(exc))
    if not is_empty(settings.database_url):
        return refuse(f"{settings.database_label} is not empty: a backup is restored into an empty database only")
    try:
        ring = keys_at_hand(settings)  # never a new key: a restore needs the backed-up database's own
    except MissingKey as exc:
        return refuse(f"the keys cannot be read: {exc}")
    if ring is None:
        return refuse(f"no keys: {where_keys_are(settings)}; put the backed-up database's key file there first")
    missing = sorted(set(manifest.key_ids) - set(ring.keys))
    if missing:
        return refuse(f"the backup needs key(s) {', '.join(missing)}, which are not among the keys at hand")
    if ring.audit_key is None or (
        manifest.audit_key_check and audit_repo.key_check_value(ring.audit_key) != manifest.audit_key_check
    ):
        return refuse("the audit key at hand is not the backed-up database's ('audit:' in the key ring)")
    recorded = [(h["org"], h["entry"], h["head"]) for h in manifest.heads]
    try:
        engine = restore_into(archive, settings.database_url, pg_bin=settings.pg_bin)
    except BackupError as exc:
        return refuse(str(exc))
    try:
        why = None
        report = keycheck.examine(engine, ring)
        if not report.ok:
            why = f"key(s) {', '.join(sorted(report.wrong | report.missing))} do not open the backed-up values"
        elif manifest.revision and not known_revision(engine, manifest.revision):
            why = f"the backup is at schema revision {manifest.revision}, newer than this release knows"
        else:
            verdict, heads = audit_state(engine, ring.audit_key)
            if not verdict.ok:
                why = f"the backed-up audit trail does not verify: {verdict.reason}"
            elif heads != recorded:
                why = "the restored audit chains do not end where the backup recorded"
    finally:
        engine.dispose()
    if why:
        discard(settings.database_url)
        return refuse(why)
    now = dt.datetime.now(dt.UTC)
    Witness(settings.audit_witness).write([Head(c, s, h, now) for c, s, h in recorded], restored=True)
    where = ", ".join(f"organisation {c} at entry {s}" for c, s, _ in recorded) or "no entries yet"
    print(
        f"restored {archive} into {settings.database_label}: {manifest.counts.get('cases', 0)} case(s), "
        f"{verdict.checked} audit entries verified; witness: restored at {where}"
    )
    if manifest.revision != head_revision(engine):
        print("the backup is of an older release: run `meldcode db upgrade` before starting the bot")
    return 0
