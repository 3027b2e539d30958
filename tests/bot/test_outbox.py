"""DMs survive a crash (issue "scale"): written with the event that causes them, posted after the commit,
and taken over by a later pass when their writer died first; each goes out once."""

from __future__ import annotations

import datetime as dt

from bot.chat import RecordingChat
from bot.messages import Action, Button, Message
from bot.service.outbox import deliver_stale, message_from_json, message_json
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
    message = Message(
        "Zaak MC-2026-0001",
        buttons=(Button("Open", Action.OPEN_CASE, "MC-2026-0001", "7"),),
        case_code="MC-2026-0001",
        tone="urgent",
        file=("a.png", b"\x89PNG\x00\x01"),
    )
    assert message_from_json(message_json(message)) == message


def test_posted_dms_leave_the_outbox_after_30_days_with_the_daily_purge(service, chat, clock):
    from bot.jobs.retention import purge_expired

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


def test_a_dm_slack_accepted_before_its_process_died_is_not_posted_again(service, chat, clock, tmp_path):
    """Hardening finding 7: duplicate consultation DMs came from replicas killed between Slack accepting a DM
    and its record. The journal of a process that is gone tells the next pass: recorded as sent, not re-posted."""
    import subprocess
    import sys

    from storage.posted import PostedJournal
    from tests.bot.scripts import OPEN_TO_STEP2 as steps

    service.store.journal = PostedJournal(tmp_path)
    alive = service.chat
    service.chat = DyingChat()
    Dialog(service, chat).play(steps)
    with service.store.transaction() as s:
        waiting = [
            r.id
            for r in outbox_repo.claim_stale(
                s, org_id=1, now=clock.now + dt.timedelta(minutes=3), lease=dt.timedelta(seconds=0), limit=50
            )
        ]
    assert waiting
    # Another process (now gone) posted them and noted so, then died before recording: its journal file remains.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f"outbox-posted-{dead.stdout.strip()}.ids").write_text("".join(f"{i}\n" for i in waiting))
    service.chat = alive
    assert deliver_stale(service, clock.now + dt.timedelta(minutes=10)) == 0  # recorded as sent, not re-posted
    assert chat.to("mila") == []
    with service.store.transaction() as s:
        assert outbox_repo.counts(s, org_id=1).get("sending", 0) == 0
    assert list(tmp_path.glob("outbox-posted-*")) == []


def test_a_process_notes_each_accepted_dm_before_recording_it(service, chat, tmp_path):
    from storage.posted import PostedJournal

    journal = service.store.journal = PostedJournal(tmp_path)
    Dialog(service, chat).play(OPEN_TO_STEP2)
    own = tmp_path / f"outbox-posted-{__import__('os').getpid()}.ids"
    noted = own.read_text().split()
    assert noted and journal._waiting == 0  # each noted, each recorded
    assert oct(own.stat().st_mode & 0o777) == "0o600"
