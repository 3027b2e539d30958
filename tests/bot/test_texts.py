"""Every text the code can ask for exists: for each reminder kind, recipient, event and error code."""
from __future__ import annotations

import pytest

from bot.service import AUDIT_EVENTS
from bot.texts import Texts
from flows.vocabulary import RECIPIENTS, REMINDER_KINDS

TEXTS = Texts()


@pytest.mark.parametrize("kind", sorted(REMINDER_KINDS))
def test_every_reminder_kind_has_a_dm_and_a_name(kind):
    assert "MC-1" in TEXTS(f"reminders.{kind}", code="MC-1", due="")
    assert TEXTS(f"reminder_kinds.{kind}")


@pytest.mark.parametrize("role", sorted(RECIPIENTS))
def test_every_recipient_role_has_a_name(role):
    assert TEXTS(f"recipients.{role}", owner="Sanne")


@pytest.mark.parametrize("event", sorted(set(AUDIT_EVENTS.values())))
def test_every_audit_event_has_a_label(event):
    assert TEXTS(f"audit.events.{event}")


@pytest.mark.parametrize("code", ["required", "invalid_choice", "invalid_yes_no", "invalid_date", "date_in_future",
                                  "date_in_past", "invalid_number", "invalid_person", "unknown_field"])
def test_every_answer_error_code_has_a_dutch_message(code):
    assert TEXTS(f"errors.{code}", min=1, max=2)


def test_every_timeline_event_the_code_writes_has_a_text():
    import re
    from pathlib import Path
    bot = Path(__file__).resolve().parents[2] / "bot"
    source = "".join(p.read_text() for p in bot.glob("*.py") if p.name != "admin.py")
    kinds = set(re.findall(r'kind="([a-z_]+)"', source)) - {k.lower() for k in REMINDER_KINDS}
    assert kinds and all(kind in TEXTS.raw("events") for kind in kinds), sorted(kinds - set(TEXTS.raw("events")))
    # The organisation's own events (roles, absences, hand-overs) show in the admins' overview.
    org_kinds = set(re.findall(r'kind="([a-z_]+)"', (bot / "admin.py").read_text()))
    assert org_kinds and org_kinds <= set(TEXTS.raw("admin.change")), sorted(org_kinds - set(TEXTS.raw("admin.change")))
