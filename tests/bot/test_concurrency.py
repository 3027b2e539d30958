"""Concurrency: two people answering one question at once (one is stored, the other told), and a database that is
gone or hangs (the user is told in time; nothing is lost or half-stored)."""

from __future__ import annotations

import contextlib
import threading

from storage import cases as case_repo
from tests.bot.dialog import Dialog


def test_simultaneous_answers_to_one_question_store_exactly_one(service, chat):
    d = Dialog(service, chat)
    for _ in range(5):
        d.play([("sanne", "open", None, None), ("sanne", "triage.scope", {"scope": "domestic"}, None)])
        service.add_colleague("sanne", d.code, "tom")
        barrier = threading.Barrier(2)
        replies = {}

        def answer(who: str, age: str, barrier=barrier, replies=replies) -> None:
            barrier.wait()
            replies[who] = service.answer(who, d.code, "triage.forms", {"forms": ["psychisch"], "age": age})

        threads = [
            threading.Thread(target=answer, args=("sanne", "9")),
            threading.Thread(target=answer, args=("tom", "10")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.ok for r in replies.values()) == [False, True]
        loser = next(r for r in replies.values() if not r.ok).text()
        assert "al beantwoord" in loser or "net bijgewerkt" in loser
        with service.store.transaction() as s:
            case = case_repo.get_case(s, org_id=1, code=d.code)
            assert [a.node_id for a in case_repo.answers(s, case_id=case.id)] == ["triage.scope", "triage.forms"]
            assert case.current_node == "triage.kindcheck"


def test_a_database_outage_gives_a_clear_message_and_no_crash(service, chat, tmp_path):
    from storage.db import Store

    d = Dialog(service, chat)
    d.play([("sanne", "open", None, None), ("sanne", "triage.scope", {"scope": "domestic"}, None)])
    good = service.store
    service.store = Store.from_url("postgresql+psycopg://postgres@/none?host=/nonexistent&port=1")
    try:
        reply = service.answer("sanne", d.code, "triage.forms", {"forms": ["psychisch"], "age": "9"})
        assert not reply.ok and "database is niet bereikbaar" in reply.text()
        assert "Traceback" not in reply.text()
    finally:
        service.store.dispose()
        service.store = good
    assert service.question("sanne", d.code).question.node_id == "triage.forms"  # nothing changed


@contextlib.contextmanager
def hung_transaction(store):
    """Another event's transaction that does not end (a stalled disk, an unreachable server) until released."""
    started, release = threading.Event(), threading.Event()

    def hang() -> None:
        with store.transaction():
            started.set()
            release.wait(timeout=30)

    thread = threading.Thread(target=hang)
    thread.start()
    assert started.wait(timeout=10)
    try:
        yield
    finally:
        release.set()
        thread.join(timeout=10)


def test_behind_a_transaction_that_hangs_the_user_hears_it_is_busy_in_time_and_nothing_changes(service, chat):
    d = Dialog(service, chat)
    d.play([("sanne", "open", None, None)])
    service.store.wait_seconds = 0.05  # in production 2 s: the answer comes before Slack's 3 s
    with hung_transaction(service.store):
        reply = service.answer("sanne", "", "triage.scope", {"scope": "domestic"})  # the first answer of a case
    assert not reply.ok and reply.error == "database_busy" and "te druk" in reply.text()
    assert "Je hebt nog geen zaken" in service.my_cases("sanne").text()  # nothing changed: no empty case either
    assert service.answer("sanne", "", "triage.scope", {"scope": "domestic"}).ok  # and afterwards it works
