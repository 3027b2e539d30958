"""DMs that survive a crash: written to the outbox with the event that causes them, posted right after the
commit, and taken over by a later sender pass when the process that wrote them died before posting."""

from __future__ import annotations

import base64
import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from bot.chat import Chat, DeliveryError
from bot.config import OrgConfig
from bot.messages import Action, Button, Message
from storage import living as living_repo
from storage import organisations as org_repo
from storage import outbox as outbox_repo
from storage.db import Store


class Sender(Protocol):
    """What the outbox needs of whoever sends: the service, or its core."""

    @property
    def store(self) -> Store: ...
    @property
    def org(self) -> OrgConfig: ...
    @property
    def chat(self) -> Chat: ...
    @property
    def clock(self) -> Callable[[], dt.datetime]: ...


log = logging.getLogger(__name__)
LEASE = dt.timedelta(minutes=2)  # the writer's own attempt (with Slack's retries) ends well within this
RETRY = dt.timedelta(minutes=1)
MAX_ATTEMPTS = 5
RECORD_TRIES, RECORD_PAUSE = 10, 1.0  # 1+2+...+10 s: well within the lease


def message_json(message: Message, living_id: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": message.text,
        "case_code": message.case_code,
        "tone": message.tone,
        "buttons": [[b.label, b.action.value, b.case_code, b.ref] for b in message.buttons],
    }
    if message.living:
        data["living"] = [message.notify, message.replaces, living_id]
    if message.file is not None:
        data["file"] = [message.file[0], base64.b64encode(message.file[1]).decode()]
    return data


def message_from_json(data: dict[str, Any]) -> Message:
    file = (data["file"][0], base64.b64decode(data["file"][1])) if data.get("file") else None
    notify, replaces, _ = data.get("living") or (False, None, None)
    return Message(
        data["text"],
        buttons=tuple(Button(label, Action(action), code, ref) for label, action, code, ref in data.get("buttons", [])),
        case_code=data.get("case_code"),
        tone=data.get("tone", "info"),
        file=file,
        living="living" in data,
        notify=notify,
        replaces=replaces,
    )


def reporter(
    service: Sender, message_id: int, living_id: int | None = None
) -> Callable[[str | None, str | None], None]:
    """What the chat calls when its attempt ended: None when posted, else why not (the pass retries); with the
    chat's reference of the message, which a living message's next change updates."""

    def done(error: str | None, ref: str | None = None, tries: int = 0) -> None:
        now = service.clock()
        if error is None and tries == 0:
            # Slack has it. Noted before recording: should this process die before the record is written (it
            # waits its turn, or the database is away), the next pass on this host knows it went out.
            service.store.journal.add(message_id)
        try:
            with service.store.transaction() as session:
                if error is None:
                    outbox_repo.mark_sent(session, message_id=message_id, now=now)
                    if living_id is not None and ref:
                        living_repo.posted(session, living_id=living_id, ref=ref)
                else:
                    outbox_repo.mark_failed_attempt(
                        session, message_id=message_id, now=now, error=error, retry_at=now + RETRY
                    )
            if error is None:
                service.store.journal.recorded(message_id)
        except Exception as exc:
            # The database is away: keep trying while the lease runs, or a later pass would post it again.
            if tries < RECORD_TRIES:
                timer = threading.Timer(RECORD_PAUSE * (tries + 1), done, args=(error, ref, tries + 1))
                timer.daemon = True
                timer.start()
            else:
                log.warning("outbox: could not record a DM's delivery: %s", type(exc).__name__)

    return done


def deliver_stale(service: Sender, now: dt.datetime | None = None, limit: int = 200) -> int:
    """One pass: DMs whose writer never reported back are posted now (each by one sender: rows are claimed)."""
    now = now or service.clock()

    def record_posted(ids) -> None:
        with service.store.transaction() as session:
            for message_id in ids:
                outbox_repo.mark_sent(session, message_id=message_id, now=now)

    settled = service.store.journal.settle(record_posted)  # posted by a process that died before recording it
    if settled:
        log.info("outbox: %s DM(s) posted by a process that is gone recorded as sent", settled)
    with service.store.transaction() as session:
        org = org_repo.get_organisation(session, key=service.org.key)
        if org is None or org.uninstalled_at is not None:
            return 0
        rows = [
            (r.id, r.recipient, r.message, r.attempts)
            for r in outbox_repo.claim_stale(session, org_id=org.id, now=now, lease=LEASE, limit=limit)
        ]
    sent = 0
    for message_id, recipient, data, attempts in rows:
        ref = None
        try:
            ref = service.chat.deliver(org_key=service.org.key, person_id=recipient, message=message_from_json(data))
            error = None
            service.store.journal.add(message_id)
        except DeliveryError as exc:
            error = str(exc) or "delivery_error"
        with service.store.transaction() as session:
            if error is None:
                outbox_repo.mark_sent(session, message_id=message_id, now=now)
                if ref and (living_id := (data.get("living") or (None, None, None))[2]) is not None:
                    living_repo.posted(session, living_id=living_id, ref=ref)
                sent += 1
            else:
                final = attempts + 1 >= MAX_ATTEMPTS
                outbox_repo.mark_failed_attempt(
                    session,
                    message_id=message_id,
                    now=now,
                    error=error,
                    retry_at=None if final else now + RETRY * (attempts + 1),
                )
                if final:
                    log.error("outbox: a DM (id %s) was not delivered after %s attempts", message_id, attempts + 1)
        if error is None:
            service.store.journal.recorded(message_id)
    return sent
