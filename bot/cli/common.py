"""What several commands share: the organisation a command is about, and the chat DMs go through."""

from __future__ import annotations

import argparse
import sys

from bot.settings import Settings


def _org_config(settings: Settings, args: argparse.Namespace, store=None):
    """The organisation a command is about: the config file's, or (hosted, OAuth) the workspace `--org`."""
    from bot.config import hosted_config, load_config

    if not settings.oauth:
        return load_config(settings.config_path)
    from bot.startup import open_store
    from storage import organisations as org_repo

    store = store or open_store(settings)
    with store.transaction() as session:
        org = org_repo.get_organisation(session, key=args.org or "")
        if org is None:
            print(
                "hosted for many workspaces: name the organisation with --org TEAM_ID "
                "(the Slack team id of an installed workspace)",
                file=sys.stderr,
            )
            raise SystemExit(2)
        return hosted_config(
            key=org.key, name=org.name, timezone=org.timezone, flow_id=org.flow_id, settings_yaml=org.settings_yaml
        )


def _chat_for(settings: Settings):
    """Slack when a bot token is set (or, hosted, each workspace's own); otherwise DMs are printed."""
    if settings.oauth:
        from bot.slack.app import slack_chat
        from bot.slack.oauth import installations
        from bot.startup import open_store

        return slack_chat(settings, installations(settings, open_store(settings)))
    if settings.slack_bot_token:
        from bot.slack.app import slack_chat

        return slack_chat(settings)
    from bot.console.chat import ConsoleChat

    return ConsoleChat(write=print)
