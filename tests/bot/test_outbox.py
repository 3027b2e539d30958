"""DMs survive a crash (issue "scale"): written with the event that causes them, posted after the commit,
and taken over by a later pass when their writer died first; each goes out once."""
from __future__ import annotations

import datetime as dt

from bot.chat import RecordingChat
from bot.outbox import deliver_stale, message_from_json, message_json
from bot.messages import Action, Button, Message
from storage import outbox as outbox_repo
from tests.bot.dialog import Dialog
from tests.bot.scripts import OPEN_TO_STEP2


class DyingChat(RecordingChat):
    """The process dies right after the commit: nothing it meant to post goes out, nobody reports back."""

    def send_dm(self, *, org_key, person_id, message, done=None):
        pass


def test_a_dm_lost_to_a_crash_after_the_commit_goes_out_once_when_its_lease_ends(service, chat, clock):
    alive = service.chat
    service.chat = DyingChat()
    d = Dialog(service, chat)
    d.play(OPEN_TO_STEP2)  # the consultation request is committed; the AF's DM was never posted
    assert chat.to("mila") == []
    service.chat = alive
    assert deliver_stale(service, clock.now + dt.timedelta(seconds=30)) == 0  # the writer's lease still runs
    assert deliver_stale(service, clock.now + dt.timedelta(minutes=3)) >= 1
    pings = [m for m in chat.to("mila") if "Consultatieverzoek" in m.text]
    assert len(pings) == 1 and pings[0].buttons[0].action == Action.TAKE_UP and d.code in pings[0].text
    assert deliver_stale(service, clock.now + dt.timedelta(minutes=10)) == 0  # once only
    with service.store.transaction() as s:
        assert outbox_repo.counts(s, org_id=1).get("sending", 0) == 0


def test_a_posted_dm_is_marked_sent_and_never_sent_again(service, chat, clock):
    Dialog(service, chat).play(OPEN_TO_STEP2)
    before = len(chat.sent)
    with service.store.transaction() as s:
        counts = outbox_repo.counts(s, org_id=1)
    assert counts.get("sent", 0) >= 1 and counts.get("sending", 0) == 0
    assert deliver_stale(service, clock.now + dt.timedelta(hours=1)) == 0 and len(chat.sent) == before


def test_messages_keep_buttons_and_files_through_the_outbox():
    message = Message("Zaak MC-2026-0001", buttons=(Button("Open", Action.OPEN_CASE, "MC-2026-0001", "7"),),
                      case_code="MC-2026-0001", tone="urgent", file=("a.png", b"\x89PNG\x00\x01"))
    assert message_from_json(message_json(message)) == message


def test_posted_dms_leave_the_outbox_after_30_days_with_the_daily_purge(service, chat, clock):
    from bot.retention import purge_expired
    Dialog(service, chat).play(OPEN_TO_STEP2)
    with service.store.transaction() as s:
        posted = outbox_repo.counts(s, org_id=1).get("sent", 0)
    assert posted >= 1
    purge_expired(service, clock.now + dt.timedelta(days=29))
    with service.store.transaction() as s:
        assert outbox_repo.counts(s, org_id=1).get("sent", 0) == posted
    purge_expired(service, clock.now + dt.timedelta(days=31))
    with service.store.transaction() as s:
        assert outbox_repo.counts(s, org_id=1) == {}
