"""Two bot processes on one PostgreSQL deliver each reminder exactly once (rows are claimed, not shared)."""

from __future__ import annotations

import collections
import datetime as dt
import os
import re
import subprocess
import sys

from bot.chat import RecordingChat
from bot.config import load_config
from bot.service import ConversationService
from flows.loader import load_all
from storage import cases as case_repo
from storage import reminders as reminder_repo
from storage.db import Store
from tests.bot.dialog import new_case
from tests.conftest import TEST_KEYS
from tests.slack.conftest import ROOT, slack_config

NOW = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Amsterdam


def test_two_processes_on_one_postgresql_send_each_reminder_once(tmp_path, standin, postgres_url):
    config = slack_config(tmp_path)
    store = Store.from_url(postgres_url)
    store.upgrade()
    service = ConversationService(
        store=store,
        flows=load_all(),
        org=load_config(config),
        chat=RecordingChat(),
        clock=lambda: NOW - dt.timedelta(days=1),
    )
    service.bootstrap()
    codes = [new_case(service, "USANNE") for _ in range(150)]
    with store.transaction() as s:
        for code in codes:
            case = case_repo.get_case(s, org_id=1, code=code)
            reminder_repo.schedule(
                s,
                case=case,
                kind="D3",
                recipient_role="staff",
                recipient_id=case.owner_id,
                due=[NOW - dt.timedelta(hours=1), NOW - dt.timedelta(minutes=30)],
                node_id=None,
                now=NOW,
            )
    store.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MELDCODE_", "DATABASE_URL"))}
    env.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": standin.url,
            "DATABASE_URL": postgres_url,
            "MELDCODE_CONFIG": str(config),
            "MELDCODE_KEYS": TEST_KEYS,
        }
    )
    command = [sys.executable, "-m", "bot.cli", "reminders", "send", "--now", NOW.isoformat()]
    processes = [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    posts = standin.of("chat.postMessage")
    per_case = collections.Counter(next(c for c in codes if c in post["text"]) for post in posts)
    assert len(posts) == 300 and set(per_case.values()) == {2}  # every reminder once, none twice
    sent = [sum(int(n) for n in re.findall(r"sent (\d+),", out)) for out, _ in outputs]
    assert sum(sent) == 300, outputs
    store = Store.from_url(postgres_url)
    with store.transaction() as s:
        listed = reminder_repo.listing(s, statuses=("pending", "sending", "sent"))
        assert {r.status for r in listed if r.kind == "D3"} == {"sent"}  # (each case's D6 waits for its day)
    store.dispose()
