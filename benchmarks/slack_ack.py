"""Ack latency of the real bot against a conventional peer and a bare Bolt app, all under gunicorn, against a
local Slack stand-in.

Run: .venv/bin/python -m benchmarks.slack_ack [--requests 400] [--runs 3] [--postgres]
Scenarios: `/meldcode nieuw` and a step submission (the second screen of moment: the first signal with the
consultation request, two answers and the AF's DM), at 20 and 50 concurrent; then 200 concurrent for the
3-second ack limit. The peer (benchmarks.peer_app) stores each submission the usual way (ORM, a case, an answer
and an audit row in one transaction, the same SQLite settings, no encryption); the bare app only acks. Each
ratio is bot p99 / peer p99 of one run; the table shows the median over the runs (the machines are noisy).
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from slack_sdk.signature import SignatureVerifier

from benchmarks import new_case

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_standin(port_queue) -> None:
    from tests.slack.standin import Standin

    s = Standin().start()
    port_queue.put(s.server.server_address[1])
    while True:
        time.sleep(3600)


def wait_healthy(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("server exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=ts, body=body),
    }


def command_body(user: str) -> str:
    # Each command has its own trigger_id, as from Slack: the bot applies a trigger_id once (a replay is refused).
    return urllib.parse.urlencode(
        {
            "command": "/meldcode",
            "text": "nieuw",
            "user_id": user,
            "team_id": "T1",
            "trigger_id": f"t{uuid.uuid4().hex}",
            "channel_id": "C1",
            "response_url": "http://127.0.0.1:9/",
        }
    )


def _radio(value: str) -> dict:
    return {"value": {"type": "radio_buttons", "selected_option": {"value": value}}}


def submit_body(user: str, code: str) -> str:
    """The second screen: the first signal and the consultation request, as Slack submits it."""
    view = {
        "id": "V1",
        "type": "modal",
        "callback_id": "mc_answer",
        "private_metadata": json.dumps({"case": code, "node": "step1.signal"}),
        "state": {
            "values": {
                "f:kind": _radio("fact"),
                "f:text": {
                    "value": {"type": "plain_text_input", "value": "blauwe plek op de arm, gezien in de gymles"}
                },
                "f:step2.request/now": _radio("ja"),
                "f:step2.request/urgency": _radio("normal"),
            }
        },
    }
    return urllib.parse.urlencode(
        {"payload": json.dumps({"type": "view_submission", "user": {"id": user}, "team": {"id": "T1"}, "view": view})}
    )


def post(port: int, body: str) -> tuple[float, int, str]:
    """(seconds from the request being sent to its answer, HTTP status or 0 for none, body). The clock starts once
    the request is written: the time this client's own threads take to connect and write (slow when the host is
    busy) is the client's, not the server's; Slack sends from machines of its own."""
    start = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", "/slack/events", body=body.encode(), headers=signed(body))
        start = time.perf_counter()
        response = conn.getresponse()
        text = response.read().decode()
        return time.perf_counter() - start, response.status, text
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, or cut off mid-answer (a killed server)
        return time.perf_counter() - start, 0, type(exc).__name__


def load(port: int, bodies: list[str], concurrency: int) -> dict:
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda b: post(port, b), bodies))
    times = sorted(r[0] for r in results)
    errors = sum(1 for r in results if r[1] != 200 or '"errors"' in r[2] or "Geen toegang" in r[2])
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000  # noqa: E731
    return {
        "n": len(times),
        "errors": errors,
        "p50": p(0.50),
        "p99": p(0.99),
        "max": times[-1] * 1000,
        "mean": statistics.fmean(times) * 1000,
    }


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a server and its workers so far (Linux /proc)."""
    total = 0
    for proc in [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]:
        fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def measured(process: subprocess.Popen, port: int, bodies: list[str], concurrency: int) -> dict:
    """A load, with the server's CPU time per request beside the latencies."""
    before = cpu_seconds(process.pid)
    result = load(port, bodies, concurrency)
    result["cpu"] = (cpu_seconds(process.pid) - before) / len(bodies) * 1000
    return result


def start(cmd: list[str], env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log.open("a"), stderr=subprocess.STDOUT)
    wait_healthy(port, process)
    return process


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=400, help="requests per scenario and level")
    parser.add_argument("--threads", type=int, default=32, help="gunicorn threads, the same for both apps")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers, the same for both apps")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL instead of SQLite")
    parser.add_argument("--runs", type=int, default=3, help="whole measurements; the table shows their median")
    args = parser.parse_args()
    pg = start_postgres() if args.postgres else None

    queue: multiprocessing.Queue = multiprocessing.Queue()
    standin = multiprocessing.Process(target=run_standin, args=(queue,), daemon=True)
    standin.start()
    api_url = f"http://127.0.0.1:{queue.get(timeout=30)}/api/"
    tmp = Path(tempfile.mkdtemp(prefix="meldcode-bench-"))
    config = tmp / "org.yaml"
    import yaml

    raw = yaml.safe_load((ROOT / "bot" / "demo" / "organisation.yaml").read_text())
    raw["organisation"]["key"] = "T1"
    config.write_text(yaml.safe_dump(raw))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MELDCODE_", "DATABASE_URL"))},
        "SLACK_BOT_TOKEN": "xoxb-bench",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "MELDCODE_CONFIG": str(config),
        "MELDCODE_DATA_DIR": str(tmp / "data"),
        "MELDCODE_LOG_LEVEL": "WARNING",
    }
    global DB_URL
    DB_URL = pg["url"] if pg else f"sqlite:///{tmp / 'data' / 'meldcode.db'}"
    from storage import crypto
    from storage.crypto import KeyRing

    keys = KeyRing.new_entry("audit") + "," + KeyRing.new_entry("bench")
    env["MELDCODE_KEYS"] = keys
    crypto.use(KeyRing.parse(keys))  # the same key for the cases this process prepares
    if pg:
        env["DATABASE_URL"] = DB_URL
        subprocess.run(
            [sys.executable, "-m", "bot.cli", "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True
        )
    bot_port, bare_port, peer_port = free_port(), free_port(), free_port()
    python = sys.executable
    serve = ["--threads", str(args.threads), "--workers", str(args.workers)]
    bot = start(
        [python, "-m", "bot.cli", "serve", "--host", "127.0.0.1", "--port", str(bot_port), *serve],
        env,
        bot_port,
        tmp / "bot.log",
    )

    def gunicorn(port: int, app: str, log: str) -> subprocess.Popen:
        cmd = [python, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "-k", "gthread", "--threads", str(args.threads)]
        return start([*cmd, "-w", str(args.workers), "--log-level", "warning", app], env, port, tmp / log)

    env["PEER_DATABASE_URL"] = pg["url"] if pg else f"sqlite:///{tmp / 'peer.db'}"
    bare = gunicorn(bare_port, "benchmarks.bare_app:application", "bare.log")
    peer = gunicorn(peer_port, "benchmarks.peer_app:application", "peer.log")
    servers = {"bare": (bare, bare_port), "peer": (peer, peer_port), "bot": (bot, bot_port)}
    runs: list[list[tuple[str, int, dict[str, dict]]]] = []
    try:
        users = ["sanne", "tom"]
        # Warm all up (imports, connection pools, first-use caches) with both scenarios before measuring.
        warm = fresh_cases(tmp, 20)
        for _, port in servers.values():
            load(port, [command_body("sanne") for _ in range(20)], 10)
            load(port, [submit_body("sanne", c) for c in warm], 10)
        for _ in range(args.runs):
            rows = []
            for concurrency in (20, 50):
                n = args.requests
                cmd = {
                    k: measured(p, port, [command_body(users[i % 2]) for i in range(n)], concurrency)
                    for k, (p, port) in servers.items()
                }
                rows.append(("/meldcode nieuw", concurrency, cmd))
                codes = fresh_cases(tmp, n)  # each app gets the same submissions (the peer makes its own rows)
                sub = {
                    k: measured(p, port, [submit_body("sanne", c) for c in codes], concurrency)
                    for k, (p, port) in servers.items()
                }
                rows.append(("step submission", concurrency, sub))
            runs.append(rows)
        codes = fresh_cases(tmp, 200)
        burst = load(bot_port, [submit_body("sanne", c) for c in codes], 200)
        burst_cmd = load(bot_port, [command_body("sanne") for _ in range(200)], 200)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait(timeout=15)
        standin.terminate()
        if pg:
            stop_postgres(pg)
    report(args, pg is not None, runs, burst, burst_cmd)


def report(args, postgres: bool, runs, burst: dict, burst_cmd: dict) -> None:
    """The table: per row the median over the runs of each figure, and of each run's own ratios."""
    med = statistics.median
    print(
        f"\nAck latency, ms (median of {len(runs)} run(s), {args.requests} requests per row; gunicorn gthread, "
        f"{args.workers} worker(s) x {args.threads} threads; {'PostgreSQL' if postgres else 'SQLite'}; local Web API "
        "stand-in)"
    )
    print(
        f"{'scenario':<18}{'conc':>5}  {'bare p99':>9}  {'peer p50':>9}{'peer p99':>9}  {'bot p50':>9}{'bot p99':>9}"
        f"  {'bot/peer p99':>12}  {'bot/bare':>8}  {'errors':>6}  {'CPU ms/req bare / peer / bot':>30}"
    )
    worst = 0.0
    for i, (name, conc, _) in enumerate(runs[0]):
        rows = [run[i][2] for run in runs]
        fig = {app: {k: med(r[app][k] for r in rows) for k in ("p50", "p99", "cpu")} for app in ("bare", "peer", "bot")}
        to_peer = med(r["bot"]["p99"] / r["peer"]["p99"] for r in rows)
        to_bare = med(r["bot"]["p99"] / r["bare"]["p99"] for r in rows)
        errors = sum(r[app]["errors"] for r in rows for app in r)
        worst = max(worst, to_peer)
        print(
            f"{name:<18}{conc:>5}  {fig['bare']['p99']:>9.1f}  {fig['peer']['p50']:>9.1f}{fig['peer']['p99']:>9.1f}"
            f"  {fig['bot']['p50']:>9.1f}{fig['bot']['p99']:>9.1f}  {to_peer:>11.2f}x  {to_bare:>7.2f}x  {errors:>6}"
            f"  {fig['bare']['cpu']:>10.2f} / {fig['peer']['cpu']:.2f} / {fig['bot']['cpu']:.2f}"
        )
    for name, result in (("step submission", burst), ("/meldcode nieuw", burst_cmd)):
        verdict = "OK" if result["max"] < 3000 and result["errors"] == 0 else "FAIL"
        print(
            f"{name:<18}{200:>5}  max ack {result['max']:.0f} ms, p99 {result['p99']:.0f} ms, "
            f"errors {result['errors']}  -> every ack under 3 s: {verdict}"
        )
    print(
        f"target bot p99 <= 1.1x the peer's at 20 and 50 concurrent: {'OK' if worst <= 1.1 else 'NOT MET'} "
        f"(worst {worst:.2f}x)"
    )


def fresh_cases(tmp: Path, n: int) -> list[str]:
    """Cases waiting at their first question, created directly in the bot's database."""
    from bot.chat import RecordingChat
    from bot.config import load_config
    from bot.service import ConversationService
    from flows.loader import load_all
    from storage.db import Store

    store = Store.from_url(DB_URL)
    service = ConversationService(
        store=store, flows=load_all(), org=load_config(tmp / "org.yaml"), chat=RecordingChat()
    )
    codes = []
    for _ in range(n):  # the first screen, answered: each case waits at its first signal
        code = new_case(service, "sanne")
        service.answer("sanne", code, "triage.forms", {"forms": ["lichamelijk"], "age": "9"})
        service.answer("sanne", code, "triage.kindcheck", {"siblings": "nee"})
        codes.append(code)
    store.dispose()
    return codes


DB_URL = ""


def start_postgres() -> dict:
    """A throwaway server from the installed binaries, as the test suite starts one."""
    import pwd
    import shutil

    base = Path(tempfile.mkdtemp(prefix="meldcode-bench-pg-"))
    as_pg = (lambda a: ["runuser", "-u", "postgres", "--", *a]) if os.geteuid() == 0 else (lambda a: a)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
    port = free_port()
    initdb = shutil.which("initdb") or sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))[-1]
    pg_ctl = str(Path(initdb).with_name("pg_ctl"))
    subprocess.run(
        as_pg([str(initdb), "-D", str(base / "data"), "-A", "trust", "-U", "postgres"]), check=True, capture_output=True
    )
    subprocess.run(
        as_pg(
            [
                pg_ctl,
                "-D",
                str(base / "data"),
                "-l",
                str(base / "log"),
                "-w",
                "-o",
                f"-k {base} -p {port} -c listen_addresses='' -c max_connections=200",
                "start",
            ]
        ),
        check=True,
        capture_output=True,
    )
    return {
        "url": f"postgresql+psycopg://postgres@/postgres?host={base}&port={port}",
        "base": base,
        "pg_ctl": pg_ctl,
        "as_pg": as_pg,
    }


def stop_postgres(pg: dict) -> None:
    subprocess.run(
        pg["as_pg"]([pg["pg_ctl"], "-D", str(pg["base"] / "data"), "-m", "fast", "-w", "stop"]), capture_output=True
    )


if __name__ == "__main__":
    main()
