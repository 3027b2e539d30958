"""manifest.yml describes the whole app, with the fewest scopes, and is valid against Slack's manifest schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import yaml

from bot.slack.ids import COMMAND, ShortcutId

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
SCHEMA = json.loads((Path(__file__).parent / "data" / "slack-app-manifest.schema.json").read_text())


def test_the_manifest_is_valid_against_the_public_schema():
    jsonschema.validate(MANIFEST, SCHEMA)


def test_the_manifest_declares_what_the_code_listens_to():
    features = MANIFEST["features"]
    assert [c["command"] for c in features["slash_commands"]] == [COMMAND]
    assert {s["callback_id"] for s in features["shortcuts"]} == {s.value for s in ShortcutId}
    assert features["app_home"]["home_tab_enabled"] is True
    assert MANIFEST["settings"]["event_subscriptions"]["bot_events"] == [
        "app_home_opened",
        "team_join",
        "app_uninstalled",
        "tokens_revoked",
    ]
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True


def test_the_fewest_scopes_no_history_and_no_user_tokens():
    scopes = MANIFEST["oauth_config"]["scopes"]
    # users:read only because Slack requires it for the team_join event (the welcome DM, C4).
    assert scopes == {"bot": ["commands", "chat:write", "im:write", "users:read", "files:write"]}
    assert not any("history" in s for s in scopes["bot"]) and "user" not in scopes


def test_the_hosted_manifest_is_the_same_app_with_oauth_and_token_rotation():
    from bot.slack.oauth import BOT_SCOPES

    hosted = yaml.safe_load((ROOT / "manifest.hosted.yml").read_text(encoding="utf-8"))
    jsonschema.validate(hosted, SCHEMA)
    assert hosted["oauth_config"]["redirect_urls"] == ["https://meldcode.example.org/slack/oauth_redirect"]
    assert hosted["settings"]["token_rotation_enabled"] is True
    assert (
        tuple(hosted["oauth_config"]["scopes"]["bot"]) == tuple(MANIFEST["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    )  # what the install flow asks for
    for key in ("features", "display_information"):
        assert hosted[key] == MANIFEST[key]


def test_operate_the_socket_mode_manifest_is_the_same_app_without_urls():
    socket = yaml.safe_load((ROOT / "manifest.socket.yml").read_text(encoding="utf-8"))
    jsonschema.validate(socket, SCHEMA)
    assert socket["settings"]["socket_mode_enabled"] is True
    assert "example.org" not in (ROOT / "manifest.socket.yml").read_text()  # nothing to edit by hand
    same = json.loads(json.dumps(MANIFEST))
    for command in same["features"]["slash_commands"]:
        command.pop("url")
    same["settings"]["event_subscriptions"].pop("request_url")
    same["settings"]["interactivity"].pop("request_url")
    same["settings"]["socket_mode_enabled"] = True
    assert socket == same  # the same commands, shortcuts, events and scopes as over HTTP
