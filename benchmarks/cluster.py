"""The pieces of the resilience benchmark: the replicas behind a round-robin front, the simulated people walking
a case, the ledger of what was acknowledged, and the reminders that fall due during the run."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from benchmarks import new_case
from benchmarks.slack_ack import free_port, post, start

PATH = [  # one case, from /meldcode nieuw to the consultation request (the AF is pinged)
    {"scope": "domestic"},
    {"forms": ["lichamelijk"], "age": "9"},
    {"siblings": "nee"},
    {"kind": "fact", "text": "blauwe plek", "observed_on": time.strftime("%Y-%m-%d")},
    {"urgency": "today"},
]
LIMIT = 2.5  # seconds: every answer (an ack, or "busy, try again" with the modal kept) within this
THINK = (2.0, 6.0)  # seconds a person takes per question (reading, typing): 200 users ≈ 50 answers/s
NODES = [
    "triage.scope",
    "triage.forms",
    "triage.kindcheck",
    "step1.signal",
    "step2.request",
]
KIND = {
    "scope": "radio_buttons",
    "forms": "checkboxes",
    "age": "number_input",
    "siblings": "radio_buttons",
    "kind": "radio_buttons",
    "text": "plain_text_input",
    "observed_on": "datepicker",
    "next": "radio_buttons",
    "given": "radio_buttons",
    "urgency": "radio_buttons",
    "question": "plain_text_input",
}


def element(field: str, value) -> dict:
    kind = KIND[field]
    if kind == "checkboxes":
        return {"type": kind, "selected_options": [{"value": v} for v in value]}
    if kind == "radio_buttons":
        return {"type": kind, "selected_option": {"value": value}}
    if kind == "datepicker":
        return {"type": kind, "selected_date": value}
    return {"type": kind, "value": value}


def submission(user: str, view: dict, values: dict) -> str:
    state = {f"f:{k}": {"value": element(k, v)} for k, v in values.items()}
    payload = {
        "type": "view_submission",
        "user": {"id": user},
        "team": {"id": "T1"},
        "view": {**view, "id": "V1", "hash": "h", "state": {"values": state}},
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


class Replicas:
    """Two serve processes; a request goes to one at random, and to the other when that one is down."""

    def __init__(self, env: dict, log_dir: Path):
        self.env, self.log_dir = env, log_dir
        self.ports = [free_port(), free_port()]
        self.processes: list[subprocess.Popen | None] = [None, None]
        for i in (0, 1):
            self.restart(i)

    def restart(self, i: int) -> None:
        """As a supervisor would: start it again (the port may take a moment to be free)."""
        for _attempt in range(20):
            try:
                self.processes[i] = start(
                    [
                        sys.executable,
                        "-m",
                        "bot.cli",
                        "serve",
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(self.ports[i]),
                        "--threads",
                        "16",
                    ],
                    self.env,
                    self.ports[i],
                    self.log_dir / f"replica{i}.log",
                )
                return
            except RuntimeError:
                subprocess.run(["pkill", "-9", "-f", "--", f"port {self.ports[i]} "], capture_output=True)
                time.sleep(0.5)
        raise RuntimeError(f"replica {i} does not come back")

    def kill(self, i: int) -> None:
        self.processes[i].send_signal(signal.SIGKILL)  # gunicorn's master: its worker dies with it
        self.processes[i].wait()
        # Its gunicorn worker would notice its parent is gone within a second; do not wait for that.
        subprocess.run(["pkill", "-9", "-f", "--", f"port {self.ports[i]} "], capture_output=True)

    def post(self, body: str, ledger: Ledger | None = None) -> tuple[float, int, str]:
        """The load balancer tries the other replica when one does not answer. Each attempt a replica answered
        counts for the ack time; one cut off by a SIGKILL (or refused by a replica that is down) counts apart."""
        order = random.sample([0, 1], 2)
        result = (0.0, 0, "")
        for i in order:
            result = post(self.ports[i], body)
            if result[1] != 0:
                return result
            if ledger is not None:
                with ledger.lock:
                    ledger.cut_off += 1
        return result

    def stop(self) -> None:
        for p in self.processes:
            if p and p.poll() is None:
                p.terminate()
                p.wait(timeout=15)


class Ledger:
    """What users were told: acked answers (must be stored), errors shown, and every ack's latency."""

    def __init__(self):
        self.lock = threading.Lock()
        self.acked: set[tuple[str, str]] = set()
        self.cases: set[str] = set()
        self.latencies: list[float] = []
        self.errors_shown = self.no_answer = self.stale = self.cut_off = 0
        self.busy = self.down = 0  # of errors_shown: "busy, try again", and "the database cannot be reached"

    def told(self, text: str) -> None:
        """Not saved, and the user was told so."""
        with self.lock:
            self.errors_shown += 1
            if "te druk" in text:
                self.busy += 1
            elif "niet bereikbaar" in text:
                self.down += 1

    def latency(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)


def opened_view(standin, trigger: str, wait: float = 3.0) -> dict | None:
    """The modal the command opened: the bot acknowledges first and opens it right after (its trigger holds 3
    s), as a person sees it appear."""
    deadline = time.monotonic() + wait
    while True:
        view = (standin.opened.get(trigger) or {}).get("view")
        if view is not None or time.monotonic() > deadline:
            return view
        time.sleep(0.01)


def walk(replicas: Replicas, standin, user: str, ledger: Ledger, stop: threading.Event) -> None:
    """A user opens cases and answers their questions until told to stop, retrying what failed."""
    time.sleep(random.uniform(0, THINK[1]))  # people do not all press at the same millisecond
    while not stop.is_set():
        trigger = f"trig-{user}-{time.monotonic_ns()}"
        body = urllib.parse.urlencode(
            {
                "command": "/meldcode",
                "text": "nieuw",
                "user_id": user,
                "team_id": "T1",
                "trigger_id": trigger,
                "channel_id": "C1",
                "response_url": "http://x/",
            }
        )
        took, status, _ = replicas.post(body, ledger)
        if status != 200:
            ledger.no_answer += 1
            time.sleep(0.3)
            continue
        ledger.latency(took)
        view = opened_view(standin, trigger)
        if view is None or view.get("callback_id") != "mc_answer":
            ledger.told(json.dumps(view or {}, ensure_ascii=False))  # e.g. the database was down: the modal said so
            time.sleep(0.3)
            continue
        code = json.loads(view["private_metadata"])["case"]  # "" until the first answer makes the case
        step = 0
        while step < len(PATH) and not stop.is_set():
            node = json.loads(view["private_metadata"]).get("node", "")
            took, status, text = replicas.post(submission(user, view, PATH[step]), ledger)
            if status != 200:
                ledger.no_answer += 1  # the replica died under this request: the user presses again
                time.sleep(0.2)
                continue
            ledger.latency(took)
            answer = json.loads(text) if text else {}
            if answer.get("response_action") == "errors":
                ledger.told(text)  # not saved, and the user was told so on the input (the modal kept)
                time.sleep(0.3)
                continue
            if answer.get("response_action") != "update":
                ledger.told(text)
                break
            new_view = answer["view"]
            new_node = json.loads(new_view.get("private_metadata") or "{}").get("node")
            if not code:
                code = json.loads(new_view.get("private_metadata") or "{}").get("case", "")
                with ledger.lock:
                    ledger.cases.add(code)
            if "al beantwoord" in text:
                ledger.stale += 1  # saved by a request whose ack was lost: the bot shows the question now
            else:
                with ledger.lock:
                    ledger.acked.add((code, node))
            view = new_view
            if new_node not in NODES:
                break  # past the consultation request: this case now waits for the AF
            step = NODES.index(new_node)
            time.sleep(random.uniform(*THINK))  # a person reads the next question and fills it in


def next_monday(hour: int) -> str:
    """A Monday after tomorrow, in office hours (Amsterdam): what is due by then goes out."""
    import datetime as dt
    from zoneinfo import ZoneInfo

    from flows.workdays import is_working_day

    day = dt.date.today() + dt.timedelta(days=2)
    while day.weekday() != 0 or not is_working_day(day):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo("Europe/Amsterdam")).isoformat()


def prepare_reminders(url: str, tmp: Path, n: int) -> set[str]:
    """n reminders for the AF, due now: they fall due while the faults happen."""
    import datetime as dt

    from bot.chat import RecordingChat
    from bot.config import load_config
    from bot.service import ConversationService
    from flows.loader import load_all
    from storage import cases as case_repo
    from storage import organisations as org_repo
    from storage import reminders as reminder_repo
    from storage.db import Store

    store = Store.from_url(url)
    service = ConversationService(
        store=store, flows=load_all(), org=load_config(tmp / "org.yaml"), chat=RecordingChat()
    )
    service.bootstrap()
    refs = set()
    now = dt.datetime.now(dt.UTC)
    for _i in range(n):
        code = new_case(service, "USTAFF000")
        with store.transaction() as s:
            case = case_repo.get_case(s, org_id=org_repo.get_organisation(s, key="T1").id, code=code)
            reminder_repo.schedule(
                s,
                case=case,
                kind="D6",
                recipient_role="af",
                recipient_id=None,
                due=[now - dt.timedelta(minutes=1)],
                node_id=None,
                now=now,
            )
            refs.add(code)
    store.dispose()
    return refs


def server_slowest(log_dir: Path) -> float:
    """The replicas' own longest time from a request's arrival to its answer (they log each over a second)."""
    import re

    times = [
        float(m)
        for path in log_dir.glob("replica*.log")
        for m in re.findall(r"slow request: answered ([0-9.]+) s", path.read_text(errors="replace"))
    ]
    return max(times, default=0.0)
