"""APScheduler as the clock that wakes the reminder sender; the database holds the truth.

Each process has its own in-memory job store (job stores must never be shared between schedulers).
Several processes may run a sender at once: rows are claimed in the database, so each reminder goes
out once. A pass that finds the database down logs it and the next pass catches up, because what is
due stays due.
"""

from __future__ import annotations

import datetime as dt
import logging

from apscheduler.schedulers.background import BackgroundScheduler

from bot.jobs.reminders import ReminderSender

log = logging.getLogger(__name__)
JOB_ID = "reminder-sender"


def _pass(tenants) -> None:
    """One pass per organisation: its notices, then its due reminders (in its own office hours)."""
    from bot.jobs.notices import send_due_notices

    try:
        services = tenants.all()
    except Exception as exc:  # the database may be down: what is due stays due for the next pass
        log.error("reminder pass failed: %s", type(exc).__name__)
        return
    for service in services:
        try:
            send_due_notices(service)
            from bot.service.outbox import deliver_stale

            deliver_stale(service)  # DMs whose writer died before posting them
            report = ReminderSender(service).run_once()
            if report.sent or report.failed:
                log.info("reminders: %s sent, %s retried, %s failed", report.sent, report.retried, report.failed)
        except Exception as exc:
            log.error("reminder pass failed: %s", type(exc).__name__)


def _purge(tenants) -> None:
    from bot.jobs.retention import purge_expired
    from storage import events as event_repo

    try:
        for service in tenants.every_organisation():
            purge_expired(service)
        with tenants.store.transaction() as session:  # ids of handled requests: a day is far past any retry
            event_repo.forget_before(session, before=dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    except Exception as exc:  # the next day's run catches up
        log.error("retention purge failed: %s", type(exc).__name__)


def _witness(tenants) -> None:
    """At least daily, every organisation's audit chain head to the witness (log and MELDCODE_AUDIT_WITNESS)."""
    try:
        tenants.store.witness_heads()
    except Exception as exc:  # tomorrow's run, or the next hundredth entry, writes it
        log.error("audit witness failed: %s", type(exc).__name__)


def start_scheduler(tenants, *, interval_seconds: int = 60) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(
        timezone=dt.UTC,
        job_defaults={
            "coalesce": True,  # after a pause, one catch-up pass rather than a burst
            "max_instances": 1,  # a slow pass is never overtaken by the next one
            "misfire_grace_time": None,  # a late pass still runs (the default of 1 s would skip it)
        },
    )
    scheduler.add_job(
        _pass,
        "interval",
        args=[tenants],
        seconds=interval_seconds,
        id=JOB_ID,
        replace_existing=True,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    # Retention: once a day, closed cases whose term ended are purged (several processes: each case once,
    # as a purged case is simply gone for the next one).
    scheduler.add_job(
        _purge,
        "interval",
        args=[tenants],
        hours=24,
        id="retention-purge",
        replace_existing=True,
        next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5),
    )
    scheduler.add_job(
        _witness,
        "interval",
        args=[tenants],
        hours=24,
        id="audit-witness",
        replace_existing=True,
        next_run_time=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1),
    )
    scheduler.start()
    return scheduler
