"""Reminder sender: an idle pass must cost the same with 100,000 pending rows as with 100 (an index, not a
scan), and 5,000 reminders due at once go out exactly once within a per-channel rate limit, with flat memory.

Run: .venv/bin/python -m benchmarks.reminders
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks import new_case

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402

from bot.config import load_config  # noqa: E402
from bot.jobs.reminders import ReminderSender  # noqa: E402
from bot.service import ConversationService  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.slack.app import web_client  # noqa: E402
from bot.slack.chat import SlackChat  # noqa: E402
from flows.loader import load_all  # noqa: E402
from storage import cases as case_repo  # noqa: E402
from storage.db import Store  # noqa: E402
from storage.models import Person, Reminder  # noqa: E402
from tests.slack.standin import Standin  # noqa: E402

NOW = dt.datetime(2026, 3, 3, 9, 0, tzinfo=dt.UTC)  # Tuesday 10:00 in Amsterdam


def fresh(tmp: Path, name: str, chat) -> tuple[ConversationService, int]:
    store = Store.from_url(f"sqlite:///{tmp / name}")
    store.upgrade()
    service = ConversationService(
        store=store, flows=load_all(), org=load_config(None), chat=chat, clock=lambda: NOW - dt.timedelta(days=1)
    )
    service.bootstrap()
    code = new_case(service, "sanne")
    with store.transaction() as s:
        case_id = case_repo.get_case(s, org_id=1, code=code).id
    return service, case_id


def add_reminders(service: ConversationService, case_id: int, n: int, due: dt.datetime, people: list[int]) -> None:
    rows = [
        {
            "org_id": 1,
            "case_id": case_id,
            "kind": "D3",
            "recipient_role": "staff",
            "recipient_id": people[i % len(people)],
            "due_at": due,
            "status": "pending",
            "created_at": NOW,
            "updated_at": NOW,
            "attempts": 0,
        }
        for i in range(n)
    ]
    with service.store.engine.begin() as conn:
        for start in range(0, n, 10_000):
            conn.execute(insert(Reminder), rows[start : start + 10_000])


def idle_pass_cost(tmp: Path, pending: int) -> float:
    from bot.chat import RecordingChat

    service, case_id = fresh(tmp, f"idle-{pending}.db", RecordingChat())
    add_reminders(service, case_id, pending, NOW + dt.timedelta(days=30), [1])
    sender = ReminderSender(service)
    for _ in range(5):
        sender.run_once(NOW)
    times = []
    for _ in range(50):
        start = time.perf_counter()
        report = sender.run_once(NOW)
        times.append(time.perf_counter() - start)
        assert report.sent == 0
    service.store.dispose()
    return statistics.median(times)


def run_standin(port_queue) -> None:
    standin = Standin(per_channel_interval=1.0).start()
    port_queue.put(standin.server.server_address[1])
    while True:
        time.sleep(3600)


def stats(url: str) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(
        urllib.request.Request(url + "_stats", data=b"{}", headers={"Content-Type": "application/json"})
    ) as resp:
        return json.loads(resp.read())


def burst(tmp: Path, due: int, recipients: int) -> dict:
    # The stand-in runs in its own process, so its bookkeeping is not counted as the sender's memory.
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=run_standin, args=(queue,), daemon=True)
    process.start()
    url = f"http://127.0.0.1:{queue.get(timeout=30)}/api/"
    settings = Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_API_URL": url})
    chat = SlackChat(web_client(settings))
    service, case_id = fresh(tmp, f"burst-{due}.db", chat)
    with service.store.transaction() as s:
        people = []
        for i in range(recipients):
            person = Person(org_id=1, external_id=f"U{i:05d}", name=f"Medewerker {i}", staff_role="trajectbegeleider")
            s.add(person)
            s.flush()
            people.append(person.id)
    add_reminders(service, case_id, due, NOW - dt.timedelta(minutes=5), people)
    sender = ReminderSender(service)
    tracemalloc.start()
    start = time.perf_counter()
    sent = 0
    clock = NOW
    while sent < due and time.perf_counter() - start < 600:
        report = sender.run_once(clock)
        sent += report.sent
        clock += dt.timedelta(minutes=10)  # retried ones wait for their back-off
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    counts = stats(url)
    process.terminate()
    service.store.dispose()
    return {
        "due": due,
        "sent": sent,
        "posts": counts["posts"],
        "distinct": counts["distinct"],
        "rate_limited": counts["rate_limited"],
        "seconds": elapsed,
        "peak_mb": peak / 1e6,
    }


def main() -> None:
    from storage import crypto
    from storage.crypto import KeyRing

    crypto.use(KeyRing.parse(KeyRing.new_entry("audit") + "," + KeyRing.new_entry("bench")))
    tmp = Path(tempfile.mkdtemp(prefix="meldcode-reminders-bench-"))
    small, large = idle_pass_cost(tmp, 100), idle_pass_cost(tmp, 100_000)
    print(
        "\nReminder sender (SQLite; local Slack stand-in answering 429 to a second post in one DM channel within 1 s)"
    )
    print(
        f"idle pass, nothing due:  100 pending {small * 1000:.2f} ms   100,000 pending {large * 1000:.2f} ms"
        f"   ratio {large / small:.2f}x  -> {'OK (index)' if large / small < 2 else 'NOT OK (scan?)'}"
    )
    base = burst(tmp, 500, 100)
    big = burst(tmp, 5000, 1000)
    print(f"{'due at once':>12}{'recipients':>11}{'sent':>7}{'posts':>7}{'429s':>6}{'seconds':>9}{'peak MB':>9}")
    for row, recipients in ((base, 100), (big, 1000)):
        print(
            f"{row['due']:>12}{recipients:>11}{row['sent']:>7}{row['posts']:>7}{row['rate_limited']:>6}"
            f"{row['seconds']:>9.1f}{row['peak_mb']:>9.1f}"
        )
    once = big["sent"] == big["posts"] == big["distinct"] == 5000
    print(
        f"5,000 due: every one sent exactly once: {'OK' if once else 'NOT OK'}; peak memory vs 500 due: "
        f"{big['peak_mb'] / base['peak_mb']:.2f}x"
    )


if __name__ == "__main__":
    main()
