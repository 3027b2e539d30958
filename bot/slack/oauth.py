"""OAuth mode: Slack's install flow (Bolt's OAuthFlow) with slack_sdk's SQLAlchemy stores, token rotation,
and each new workspace made an organisation of its own."""

from __future__ import annotations

import logging

from slack_bolt import BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient

from bot.settings import Settings
from bot.tenants import Tenants
from storage.db import Store
from storage.slack_installations import installation_store, state_store

log = logging.getLogger(__name__)

# The fewest scopes that work; manifest.yml asks for the same (a test checks).
BOT_SCOPES = ("commands", "chat:write", "im:write", "users:read", "files:write")
TOKEN_ROTATION_MINUTES = 120  # a bot token is refreshed when it has less than this left


def installations(settings: Settings, store: Store):
    return installation_store(store, settings.slack_client_id or "")


def authorize(settings: Settings, installation_store, client: WebClient) -> InstallationStoreAuthorize:
    """Per request, the workspace's bot token, rotated before it expires, through our own client (so a
    local stand-in of Slack's Web API is used for the rotation too)."""
    return InstallationStoreAuthorize(
        logger=log,
        installation_store=installation_store,
        client=client,
        client_id=settings.slack_client_id,
        bot_only=True,
        client_secret=settings.slack_client_secret,
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
    )


def oauth_flow(settings: Settings, store: Store, installation_store_, client: WebClient, tenants: Tenants) -> OAuthFlow:
    """GET /slack/install starts it; GET /slack/oauth_redirect finishes it, and the workspace is set up."""

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        tenants.install(
            team_id=installation.team_id, team_name=installation.team_name or "", installer=installation.user_id
        )
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        log.warning("installation failed: %s", args.reason)
        return args.default.failure(args)

    oauth_settings = OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installation_store_,
        installation_store_bot_only=True,
        state_store=state_store(store),
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        callback_options=CallbackOptions(success=success, failure=failure),
    )
    return OAuthFlow(client=client, settings=oauth_settings)
