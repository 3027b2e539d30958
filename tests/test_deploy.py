"""operate: the deployment files, exercised as far as this machine allows. compose.yaml is checked against
the Compose Specification's JSON schema (and what it promises: db upgrade before serve, secrets from files, a
named volume); the systemd unit with `systemd-analyze verify`; the Dockerfile for what the image promises
(slim base, non-root user, the data folder as a volume, a health check on /healthz, the locked install)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[1]


def test_operate_compose_file_is_valid_and_migrates_before_the_bot_serves():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    schema = json.loads((ROOT / "tests" / "data" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(compose)  # the specification's schema is draft-07
    services = compose["services"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    assert services["bot"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "pgdata" in compose["volumes"] and "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert services["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"
    assert all(s.get("env_file") == "meldcode.env" for name, s in services.items() if name != "db")
    assert services["bot"]["environment"]["MELDCODE_DATA_DIR"] == "/var/lib/meldcode"
    text = (ROOT / "compose.yaml").read_text() + (ROOT / "deploy" / "meldcode.env.example").read_text()
    assert not re.search(r"xoxb-[0-9]|PASSWORD=(?!CHANGE)", text)  # no secret in the files themselves
    example = dict(
        line.split("=", 1)
        for line in (ROOT / "deploy" / "meldcode.env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    from bot.settings import KNOWN

    assert set(example) <= set(KNOWN)  # every variable in the example is one the bot reads


def test_operate_the_dockerfile_runs_as_a_user_with_the_data_as_a_volume_and_a_health_check():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    assert "--require-hashes -r /tmp/requirements.lock" in text  # the locked set
    assert re.search(r"^USER meldcode$", text, re.M) and "useradd --system --uid 10001" in text
    assert 'VOLUME ["/var/lib/meldcode"]' in text and "MELDCODE_DATA_DIR=/var/lib/meldcode" in text
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", text, re.M)
    assert 'ENTRYPOINT ["meldcode"]' in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".git", "data"} <= set(ignored)  # no local database or key ever goes into an image


def test_operate_the_systemd_unit_verifies(tmp_path):
    if shutil.which("systemd-analyze") is None:
        if IN_CI:
            pytest.fail("systemd-analyze is missing")
        pytest.skip("systemd-analyze not installed")
    unit = (ROOT / "deploy" / "meldcode.service").read_text()
    assert "ExecStart=/opt/meldcode/bin/meldcode serve" in unit and "User=meldcode" in unit
    # The unit names the install's path; verify it against this checkout's `meldcode` (which must exist).
    meldcode = Path(sys.executable).with_name("meldcode")
    (tmp_path / "meldcode.service").write_text(unit.replace("/opt/meldcode/bin/meldcode", str(meldcode)))
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "meldcode.service")], capture_output=True, text=True
    )
    assert done.returncode == 0 and "meldcode.service" not in done.stdout + done.stderr, done.stdout + done.stderr
