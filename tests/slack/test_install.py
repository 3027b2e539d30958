"""Hosted for many workspaces over real HTTP: Slack's OAuth install flow, each workspace its own organisation and
its own (encrypted, rotated) token, and removing the app stops it there."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import organisations as org_repo
from tests.slack.conftest import start_server


@pytest.fixture
def hosted(tmp_path, standin, db_url):
    server = start_server(
        tmp_path,
        db_url,
        standin,
        env_overrides={
            "SLACK_BOT_TOKEN": None,
            "MELDCODE_CONFIG": None,
            "SLACK_CLIENT_ID": "111.222",
            "SLACK_CLIENT_SECRET": "client-secret",
        },
    )
    yield server
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def install(server, team: str) -> str:
    page = server.get("/slack/install")
    assert page.status == 200, page
    state = re.search(r"state=([\w-]+)", page.body).group(1)
    server.standin.installs[f"code-{team}"] = team
    cookie = "; ".join(c.split(";", 1)[0] for c in server.cookies)  # the browser sends the state cookie back
    done = server.get(f"/slack/oauth_redirect?code=code-{team}&state={state}", headers={"Cookie": cookie})
    assert done.status == 200, done
    return done.body


def home(server, team: str, user: str) -> dict | None:
    server.team = team
    server.standin.clear()
    server.event({"type": "app_home_opened", "user": user, "tab": "home"}, f"Ev-{team}-{user}-{time.time()}")
    try:
        return server.standin.wait_for("views.publish", timeout=3)[0]
    except AssertionError:
        return None


def test_two_workspaces_install_and_each_is_its_own_organisation_with_its_own_token(hosted):
    install(hosted, "TA")
    install(hosted, "TB")
    with hosted.store().transaction() as s:
        assert {o.key for o in org_repo.installed_organisations(s)} == {"TA", "TB"}
    # The installer is the first admin: the App Home offers to manage roles, with that workspace's token.
    published = home(hosted, "TA", "UTAADMIN")
    assert published["_token"] == "xoxb-TA-1" and "mc_manage_roles" in json.dumps(published["view"])
    # A newcomer in B is welcomed by B's bot, and becomes known in B only.
    hosted.team = "TB"
    hosted.standin.clear()
    hosted.event({"type": "team_join", "user": {"id": "UB1", "real_name": "Bert"}}, "Ev-join-B")
    welcome = hosted.standin.wait_until("chat.postMessage", lambda c: c["channel"] == "DUB1")
    assert welcome["_token"] == "xoxb-TB-1" and welcome["text"].startswith("Welkom")
    with hosted.store().transaction() as s:
        org_a, org_b = (org_repo.get_organisation(s, key=k) for k in ("TA", "TB"))
        assert org_repo.get_person(s, org_id=org_b.id, external_id="UB1") is not None
        assert org_repo.get_person(s, org_id=org_a.id, external_id="UB1") is None


def test_tokens_are_encrypted_at_rest(hosted, db_url):
    install(hosted, "TA")
    if db_url.startswith("sqlite"):
        path = db_url.split("///", 1)[1]
        raw = b"".join(Path(p).read_bytes() for p in (path, path + "-wal") if os.path.exists(p))
        assert b"xoxb-TA-1" not in raw and b"xoxe-TA-1" not in raw
    with hosted.store().transaction() as s:
        stored = s.execute(text("SELECT bot_token FROM slack_bots")).scalar()
    assert stored.startswith("mc1:") and "xoxb" not in stored


def test_a_token_near_its_end_is_rotated_and_the_new_one_used(hosted):
    hosted.standin.expires_in = 60  # Slack's rotating tokens: this one is about to expire
    install(hosted, "TA")
    published = home(hosted, "TA", "UTAADMIN")
    assert [c for c in hosted.standin.of("oauth.v2.access") if c.get("grant_type") == "refresh_token"]
    assert published["_token"] == "xoxb-TA-2"


def test_a_workspace_that_removes_the_app_is_no_longer_served(hosted):
    install(hosted, "TA")
    install(hosted, "TB")
    hosted.team = "TB"
    hosted.event({"type": "app_uninstalled"}, "Ev-uninstall-B")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with hosted.store().transaction() as s:
            if org_repo.get_organisation(s, key="TB").uninstalled_at is not None:
                break
        time.sleep(0.1)
    with hosted.store().transaction() as s:
        assert org_repo.get_organisation(s, key="TB").uninstalled_at is not None
        assert s.execute(text("SELECT count(*) FROM slack_bots WHERE team_id = 'TB'")).scalar() == 0
    assert home(hosted, "TB", "UTBADMIN") is None  # nothing answered there any more
    assert home(hosted, "TA", "UTAADMIN") is not None  # the other workspace is untouched


def test_a_workspace_that_never_installed_gets_nothing(hosted):
    install(hosted, "TA")
    assert home(hosted, "TX", "UX") is None
    hosted.team = "TX"
    assert hosted.command("UX", "nieuw").body == ""
    assert hosted.standin.of("views.open") == []


def test_nothing_in_the_log_reaches_slack_com_or_shows_a_token(hosted):
    install(hosted, "TA")
    home(hosted, "TA", "UTAADMIN")
    logs = hosted.logs()
    assert "Name or service not known" not in logs and "xoxb-" not in logs and "xoxe-" not in logs
