"""operate: /metrics in Prometheus' format, only for a scraper holding the token; the counts are what the
requests were, and no label or value names a case, a person or a workspace."""

from __future__ import annotations

import re
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.slack.conftest import USERS, start_server

TOKEN = "scrape-" + "x" * 30


def scrape(server, token: str | None = TOKEN) -> tuple[int, str]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(server.url + "/metrics", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_operate_metrics_count_the_requests_by_kind_and_outcome_without_content(tmp_path, standin, db_url):
    counted(tmp_path, standin, db_url, workers=1)


@pytest.mark.postgres
def test_operate_metrics_of_several_workers_are_summed(tmp_path, standin, postgres_url):
    counted(tmp_path, standin, postgres_url, workers=2)  # several workers: the PostgreSQL deployment


def counted(tmp_path, standin, db_url: str, *, workers: int) -> None:
    server = start_server(tmp_path, db_url, standin, workers=workers, env_overrides={"MELDCODE_METRICS_TOKEN": TOKEN})
    try:
        assert scrape(server, None)[0] == 401 and scrape(server, "wrong-" + "y" * 30)[0] == 401
        for _ in range(3):
            assert server.command("sanne", "nieuw").status == 200
        assert server.post("{}", "application/json", signature="v0=forged").status == 401
        code = None
        for _ in range(2):
            code = server.command("sanne", "zaken").status
        assert code == 200
        status, text = scrape(server)
        assert status == 200
        got = samples(text)
        assert got[("meldcode_requests_total", (("kind", "command"), ("outcome", "ok")))] == 5
        assert got[("meldcode_requests_total", (("kind", "other"), ("outcome", "refused")))] >= 1  # the forgery
        assert got[("meldcode_ack_seconds_count", (("kind", "command"),))] == 5
        assert ("meldcode_outbox_backlog", ()) in got and ("meldcode_outbox_oldest_seconds", ()) in got
        assert not re.search(r"MC-\d{4}|U[A-Z]{3,}|T1\b|sanne|Sanne", text)
        assert not any(uid in text for uid in USERS.values())
    finally:
        server.process.terminate()
        server.process.wait(timeout=10)


def test_operate_metrics_are_off_without_a_token(slack):
    assert scrape(slack)[0] == 404  # not served at all: off by default
