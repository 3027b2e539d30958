"""Settings and start-up (hardening finding 6): a bad value is one line naming the variable, its problem and an
example, exit code 2, no traceback, for every `meldcode` command; `meldcode check` checks what a bot needs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError
from tests.conftest import TEST_KEYS

ROOT = Path(__file__).resolve().parents[2]


def meldcode(*args: str, env: dict[str, str], stdin: str | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MELDCODE_", "SLACK_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**clean, **env},
        cwd=ROOT,
        text=True,
        capture_output=True,
        input=stdin,
        timeout=120,
    )


def one_line_refusal(run: subprocess.CompletedProcess, *expected: str) -> None:
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr + run.stdout
    lines = [line for line in run.stderr.splitlines() if line.startswith("meldcode: ")]
    for text in expected:
        assert sum(text in line for line in lines) == 1, (text, run.stderr)


BAD = [
    ("MELDCODE_REMINDER_INTERVAL", "1m", "MELDCODE_REMINDER_INTERVAL: '1m' is not a whole number of seconds"),
    ("MELDCODE_LOG_LEVEL", "verbose", "MELDCODE_LOG_LEVEL: 'verbose' is not a log level"),
    ("MELDCODE_LOG_FORMAT", "jsn", "MELDCODE_LOG_FORMAT: 'jsn' is neither text nor json"),
    ("MELDCODE_KEYS", "audit:bm90IGEga2V5", "MELDCODE_KEYS: key 'audit' is 9 bytes; keys are 32 bytes"),
    ("MELDCODE_KEYS", "zonder-dubbele-punt", "MELDCODE_KEYS: entry 1 is not id:base64key"),
    ("DATABASE_URL", "mysql://db/meldcode", "DATABASE_URL: 'mysql' is not a database this bot runs on"),
    ("SLACK_BOT_TOKEN", "xoxp-123", "SLACK_BOT_TOKEN: a token that starts with 'xoxp-' is not a bot token"),
    ("SLACK_API_URL", "slack.com/api", "SLACK_API_URL: 'slack.com/api' is not an http(s) address"),
    ("MELDCODE_KEYFILE", "/tmp/x", "MELDCODE_KEYFILE: not a setting of meldcode-bot; did you mean MELDCODE_KEY_FILE?"),
    ("MELDCODE_CONFIG", "/nergens/org.yaml", "MELDCODE_CONFIG: there is no file /nergens/org.yaml"),
]
# Each bad setting through the console; and, since the check is one for every command, each command with one.
CASES = [(["console"], *bad) for bad in BAD] + [
    (["check"], *BAD[0]),
    (["db", "upgrade"], *BAD[3]),
    (["serve"], *BAD[5]),
    (["export", "MC-2026-0001", "--as", "sanne"], *BAD[8]),
    (["audit", "verify"], *BAD[2]),
    (["reminders", "send"], *BAD[1]),
]


@pytest.mark.parametrize("command, name, value, expected", CASES)
def test_each_bad_setting_is_one_line_with_an_example_and_exit_code_2(tmp_path, command, name, value, expected):
    run = meldcode(*command, env={"MELDCODE_DATA_DIR": str(tmp_path), name: value}, stdin="/stop\n")
    one_line_refusal(run, expected, "(for example " if not name.startswith("MELDCODE_KEYF") else "did you mean")
    assert not (tmp_path / "meldcode.db").exists() and not (tmp_path / "meldcode.key").exists()  # nothing made


def test_every_problem_is_named_at_once():
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"MELDCODE_LOG_LEVEL": "loud", "MELDCODE_REMINDER_INTERVAL": "0", "SLACK_CLIENT_ID": "1"})
    assert [p.split(":")[0] for p in refused.value.problems] == [
        "MELDCODE_LOG_LEVEL",
        "MELDCODE_REMINDER_INTERVAL",
        "SLACK_CLIENT_SECRET",
    ]


def test_an_invalid_config_file_in_the_console_is_one_line_per_mistake(tmp_path):
    config = tmp_path / "org.yaml"
    config.write_text("organisation: {key: x}\npeople: []\n")
    run = meldcode("console", env={"MELDCODE_DATA_DIR": str(tmp_path), "MELDCODE_CONFIG": str(config)}, stdin="/stop\n")
    one_line_refusal(run, "organisation.name is required", "exactly one person must be the AF")


def test_an_unreachable_postgresql_at_db_upgrade_is_one_line(tmp_path):
    run = meldcode(
        "db",
        "upgrade",
        env={"DATABASE_URL": "postgresql://meldcode:geheim@127.0.0.1:1/meldcode", "MELDCODE_KEYS": TEST_KEYS},
    )
    one_line_refusal(run, "DATABASE_URL: the database postgresql://meldcode@127.0.0.1:1/meldcode does not answer")
    assert "geheim" not in run.stderr  # the password is never printed


def test_meldcode_check_fails_on_an_unreachable_database(tmp_path):
    run = meldcode(
        "check", env={"DATABASE_URL": "postgresql://meldcode@127.0.0.1:1/meldcode", "MELDCODE_KEYS": TEST_KEYS}
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "database" in run.stdout and "FAILED" in run.stdout.split("database", 1)[1].splitlines()[0]
    assert run.stdout.strip().endswith("NOT ok: database, keys")


def test_meldcode_check_checks_database_keys_and_slack_tokens(tmp_path):
    from tests.slack.standin import Standin

    env = {"MELDCODE_DATA_DIR": str(tmp_path), "MELDCODE_KEYS": TEST_KEYS}
    assert meldcode("db", "upgrade", env=env).returncode == 0
    standin = Standin().start()
    try:
        env.update({"SLACK_BOT_TOKEN": "xoxb-good", "SLACK_API_URL": standin.url})
        good = meldcode("check", env=env)
        assert good.returncode == 0, good.stdout + good.stderr
        rows = {line.split()[0]: line for line in good.stdout.splitlines() if line.split()}
        for name in ("flow", "organisation", "database", "keys", "slack"):
            assert "ok" in rows[name].split()[2:3] or " ok " in rows[name], rows[name]
        assert "auth.test through " + standin.url in rows["slack"]
        standin.revoked.add("xoxb-good")
        revoked = meldcode("check", env=env)
        assert revoked.returncode == 1 and "invalid_auth" in revoked.stdout
        standin.revoked.clear()
        assert meldcode("console", env=env, stdin="/nieuw\n1\n1\n/stop\n").returncode == 0  # a sealed answer
        other_keys = meldcode(
            "check",
            env={**env, "MELDCODE_KEYS": "audit:" + TEST_KEYS.split(",")[0].split(":")[1] + ",k2:" + "A" * 43 + "="},
        )
        assert other_keys.returncode == 1 and other_keys.stdout.strip().endswith("NOT ok: keys")
        assert "needs key(s) test1" in other_keys.stdout
    finally:
        standin.stop()
