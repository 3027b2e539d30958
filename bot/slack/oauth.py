"""OAuth mode: Slack's install flow (Bolt's OAuthFlow) with slack_sdk's SQLAlchemy stores, token rotation,
and each new workspace made an organisation of its own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import cast

from slack_bolt import BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth import OAuthFlow
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.oauth.installation_store import InstallationStore

from bot.settings import Settings
from bot.tenants import Tenants
from storage.db import Store
from storage.slack_installations import installation_store, state_store

log = logging.getLogger(__name__)

# The fewest scopes that work; manifest.yml asks for the same (a test checks).
BOT_SCOPES = ("commands", "chat:write", "im:write", "users:read", "files:write")
TOKEN_ROTATION_MINUTES = 120  # a bot token is refreshed when it has less than this left


def installations(settings: Settings, store: Store) -> InstallationStore:
    return installation_store(store, settings.oauth_client()[0])


def authorize(
    settings: Settings, installation_store: InstallationStore, client: WebClient
) -> Callable[..., AuthorizeResult]:
    """Per request, the workspace's bot token, rotated before it expires, through our own client (so a
    local stand-in of Slack's Web API is used for the rotation too)."""
    client_id, client_secret = settings.oauth_client()
    # Bolt's App takes an Authorize object (it checks for one), though its hint names only a plain callable.
    return cast(
        Callable[..., AuthorizeResult],
        InstallationStoreAuthorize(
            logger=log,
            installation_store=installation_store,
            client=client,
            client_id=client_id,
            bot_only=True,
            client_secret=client_secret,
            token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        ),
    )


def oauth_flow(
    settings: Settings, store: Store, installation_store_: InstallationStore, client: WebClient, tenants: Tenants
) -> OAuthFlow:
    """GET /slack/install starts it; GET /slack/oauth_redirect finishes it, and the workspace is set up."""

    def success(args: SuccessArgs) -> BoltResponse:
        installation = args.installation
        if installation.team_id is None:  # an organisation-wide Enterprise Grid install: manifest.yml offers none
            log.warning("an organisation-wide installation was refused: the app is installed per workspace")
            return BoltResponse(status=400, body="Install meldcode-bot in one workspace at a time.")
        tenants.install(
            team_id=installation.team_id, team_name=installation.team_name or "", installer=installation.user_id
        )
        return args.default.success(args)

    def failure(args: FailureArgs) -> BoltResponse:
        log.warning("installation failed: %s", args.reason)
        return args.default.failure(args)

    client_id, client_secret = settings.oauth_client()
    oauth_settings = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installation_store_,
        installation_store_bot_only=True,
        state_store=state_store(store),
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
        callback_options=CallbackOptions(success=success, failure=failure),
    )
    return OAuthFlow(client=client, settings=oauth_settings)
