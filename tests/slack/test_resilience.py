"""The resilience suite, small enough for CI (issue "scale"): two replicas on one PostgreSQL, users walking cases,
replicas SIGKILLed, PostgreSQL stopped, Slack answering 429/5xx at random. The full run is
`python -m benchmarks.resilience` (200 users, 20 kills; figures in docs/benchmarks.md)."""

from __future__ import annotations

from types import SimpleNamespace

from benchmarks import resilience


def test_nothing_acknowledged_is_lost_under_kills_an_outage_and_slack_failures():
    figures = resilience.run(SimpleNamespace(users=12, kills=3, outage=2.0, reminders=10, chaos=0.2, calm=4.0))
    table = "\n".join(f"{name}: {value}" for name, value in figures["table"])
    assert figures["kills"] == 3, table
    assert figures["acked"] > 0 and figures["lost"] == 0 and figures["twice"] == 0, table
    assert figures["max_ack"] < 3.0, table  # every ack under Slack's 3 seconds
    # During the kills and the outage, every request a live replica took got its ack, or "busy, try again" with
    # the modal kept, within 2.5 s (hardening finding 7); requests cut off by a SIGKILL are counted apart.
    assert figures["late"] == 0 and figures["no_answer"] == 0, table
    assert figures["errors_shown"] > 0, table  # the outage was felt, and said so
    assert figures["reminders_once"] == figures["reminders"] == 10, table  # due in the outage, out once after
    # Under Slack's 429/5xx no reminder went out twice (above); DMs owed when a replica died are never lost
    # (a DM posted in the instant before a kill is posted again: at-least-once, reported, not asserted).
    assert figures["chaos_answers"] > 0 and figures["dm_missing"] == 0, table
