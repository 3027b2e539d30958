"""`meldcode check`: what a running bot needs, each ok or FAILED."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.settings import Settings


def _check(args: argparse.Namespace, settings: Settings) -> int:
    """What a running bot needs, each as ok or failed: flows, config, database, keys, Slack. Changes nothing."""
    results: list[tuple[str, bool, str]] = []

    def check(name: str, work: Callable[[], str]) -> None:
        try:
            results.append((name, True, work()))
        except Exception as exc:  # each check reports its own failure; none stops the others
            detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
            results.append((name, False, detail))

    def flows() -> str:
        from flows.loader import load_all
        from flows.translate import load_translations

        flow_id = "meldcode" if settings.oauth else _configured_flow_id(settings)
        loaded = load_all(flow_id=flow_id)
        load_translations(loaded, flow_id=flow_id)  # every text in every language (strict)
        return "; ".join(
            f"{f.id} v{v}: {len(f.steps)} steps, {len(f.nodes)} questions, {len(f.outcomes)} outcomes"
            for v, f in sorted(loaded.items())
        )

    def config() -> str:
        from bot.config import ConfigError, load_config

        if settings.oauth:
            return "hosted for many workspaces: each organisation's settings are in the database"
        try:
            org = load_config(settings.config_path)
        except ConfigError as exc:
            raise RuntimeError(f"{exc.source}: {'; '.join(exc.errors)}") from None
        af = next(p.name for p in org.people if p.is_af)
        return (
            f"{org.name!r} ({'demo' if org.is_demo else org.source}): {len(org.people)} people; AF {af}; "
            f"deputies {', '.join(p.name for p in org.people if p.is_deputy)}; timezone {org.timezone}"
        )

    state: dict = {}

    def database() -> str:
        from storage.db import Store, current_revision, head_revision, sqlite_path

        path = sqlite_path(settings.database_url)
        if path is not None and not path.exists():
            raise RuntimeError(f"there is no database at {path} yet (the console or `meldcode db upgrade` makes it)")
        store = Store.from_url(settings.database_url)
        try:
            current, head = current_revision(store.engine), head_revision(store.engine)
        except Exception:
            store.dispose()
            raise
        state["store"] = store
        if current != head:
            raise RuntimeError(
                f"{settings.database_label} answers, but its schema is at revision {current}, not "
                f"{head}: run `meldcode db upgrade`"
            )
        return f"{settings.database_label} answers, schema at the latest revision ({head})"

    def keys() -> str:
        from bot.startup import load_keys
        from storage import audit as audit_repo
        from storage import keycheck

        store = state.get("store")
        if store is None:
            raise RuntimeError("not checked: the database did not answer")
        if not settings.encryption_keys and not (settings.key_file and settings.key_file.exists()):
            raise RuntimeError(f"no key: neither MELDCODE_KEYS nor a key file at {settings.key_file}")
        ring = load_keys(settings, store)  # refuses keys that do not open the database's values
        report = keycheck.examine(store.engine, ring)
        with store.transaction() as session:
            audit = audit_repo.check_key(session, key=ring.audit(), record=False)
        if audit == "mismatch":
            raise RuntimeError("the audit key does not match this database's audit trail")
        return (
            f"{len(ring.keys)} key(s), current {ring.current}; {report.checked} sampled value(s) opened; "
            f"the audit key matches{'' if audit == 'ok' else ' (no audit trail yet)'}"
        )

    def slack() -> str:
        from bot.slack.app import web_client

        tokens: list[tuple[str, str]] = []
        if settings.oauth:
            from bot.slack.oauth import installations
            from storage import organisations as org_repo

            store = state.get("store")
            if store is None:
                raise RuntimeError("not checked: the database did not answer")
            found = installations(settings, store)
            with store.transaction() as session:
                teams = [o.key for o in org_repo.installed_organisations(session)]
            for team in teams:
                bot = found.find_bot(enterprise_id=None, team_id=team)
                if bot is None or not bot.bot_token:
                    raise RuntimeError(f"workspace {team}: no bot token stored")
                tokens.append((team, bot.bot_token))
        elif settings.slack_bot_token:
            tokens.append(("SLACK_BOT_TOKEN", settings.slack_bot_token))
        else:
            return "not used (no SLACK_BOT_TOKEN, no SLACK_CLIENT_ID): the console only"
        from slack_sdk.errors import SlackApiError

        answered = []
        for name, token in tokens:
            try:
                result = web_client(settings, token).auth_test()
            except SlackApiError as exc:
                raise RuntimeError(f"{name}: Slack refused the token ({exc.response.get('error')})") from None
            answered.append(f"{name}: {result.get('team') or result.get('team_id')}")
        return f"auth.test through {settings.slack_api_url}: " + (", ".join(answered) or "no workspace installed")

    check("flow definitions", flows)
    check("organisation config", config)
    check("database", database)
    check("keys", keys)
    check("slack", slack)
    if state.get("store") is not None:
        state["store"].dispose()
    width = max(len(name) for name, _, _ in results)
    for name, ok, detail in results:
        print(f"{name:<{width}}  {'ok    ' if ok else 'FAILED'}  {detail}")
    failed = [name for name, ok, _ in results if not ok]
    print("ok" if not failed else f"NOT ok: {', '.join(failed)}")
    return 0 if not failed else 1


def _configured_flow_id(settings: Settings) -> str:
    """The flow the organisation's config names; the default when the config is broken (its own check says why)."""
    from bot.config import ConfigError, load_config

    try:
        return load_config(settings.config_path).flow_id
    except ConfigError:
        return "meldcode"  # the config check reports it
