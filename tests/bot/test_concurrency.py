"""Two people answering the same question at once: one answer is stored, the other is told; none is lost."""
from __future__ import annotations

import threading

from storage import cases as case_repo
from tests.bot.dialog import Dialog


def test_simultaneous_answers_to_one_question_store_exactly_one(service, chat):
    d = Dialog(service, chat)
    for _ in range(5):
        d.play([("sanne", "open", None, None)])
        service.add_colleague("sanne", d.code, "tom")
        barrier = threading.Barrier(2)
        replies = {}

        def answer(who: str, scope: str) -> None:
            barrier.wait()
            replies[who] = service.answer(who, d.code, "triage.scope", {"scope": scope})

        threads = [threading.Thread(target=answer, args=("sanne", "domestic")),
                   threading.Thread(target=answer, args=("tom", "domestic"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(r.ok for r in replies.values()) == [False, True]
        loser = next(r for r in replies.values() if not r.ok).text()
        assert "al beantwoord" in loser or "net bijgewerkt" in loser
        with service.store.transaction() as s:
            case = case_repo.get_case(s, org_id=1, code=d.code)
            assert [a.node_id for a in case_repo.answers(s, case_id=case.id)] == ["triage.scope"]
            assert case.current_node == "triage.forms"


def test_a_database_outage_gives_a_clear_message_and_no_crash(service, chat, tmp_path):
    from storage.db import Store
    d = Dialog(service, chat)
    d.play([("sanne", "open", None, None)])
    good = service.store
    service.store = Store.from_url("postgresql+psycopg://postgres@/none?host=/nonexistent&port=1")
    try:
        reply = service.answer("sanne", d.code, "triage.scope", {"scope": "domestic"})
        assert not reply.ok and "database is niet bereikbaar" in reply.text()
        assert "Traceback" not in reply.text()
    finally:
        service.store.dispose()
        service.store = good
    assert service.question("sanne", d.code).question.node_id == "triage.scope"  # nothing changed
