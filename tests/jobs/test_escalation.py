"""B4/D5: a consultation request nobody takes up goes to the next deputy who is not absent, then to the
admins (the case code only) and back to the staff member with Veilig Thuis' number; D6 nudges only while
someone on the case has a turn."""

from __future__ import annotations

import datetime as dt

from bot.jobs.reminders import ReminderSender
from tests.bot.dialog import Dialog
from tests.bot.scripts import OPEN_TO_STEP2
from tests.jobs.test_reminders import local, rows, to_melding

REQUEST_THIS_WEEK = [
    (*row[:2], {**row[2], "urgency": "week"}, row[3]) if row[1] == "step2.request" else row for row in OPEN_TO_STEP2
]


def _second_deputy_and_absent_af(service) -> None:
    assert service.set_roles("noor", "tom", staff_role="onderwijskundig_medewerker", deputy=True).ok
    assert service.record_absence("noor", "mila", dt.date(2026, 3, 2), dt.date(2026, 3, 20)).ok


def _texts(chat, who: str) -> list[str]:
    return [m.text for m in chat.to(who)]


def test_d5_an_absent_afs_deputy_who_does_not_answer_passes_it_to_the_next_deputy_then_the_admins(service, chat, clock):
    _second_deputy_and_absent_af(service)
    d = Dialog(service, chat)
    d.play([*REQUEST_THIS_WEEK[:-1], (*REQUEST_THIS_WEEK[-1][:3], "Tom Peters gevraagd")])  # Tom acts as AF
    chat.sent.clear()
    sender = ReminderSender(service)
    sender.run_once(local(2026, 3, 3, 11))  # a working day on: to the *next* deputy, not back to Tom
    assert [m for m in _texts(chat, "tom") if "niet opgepakt" in m] == []
    assert any("niet opgepakt" in m and d.code in m for m in _texts(chat, "daan"))
    assert any("doorgezet naar Daan Bakker" in m for m in _texts(chat, "sanne"))
    timeline = service.show_case("sanne", d.code).text()
    assert "automatisch (termijn) · Consultatie doorgezet naar de plaatsvervanger" in timeline
    chat.sent.clear()
    sender.run_once(local(2026, 3, 4, 11))  # Daan did not take it up either: nobody is left
    admin = _texts(chat, "noor")
    assert len(admin) == 1 and d.code in admin[0] and "geen plaatsvervanger (meer)" in admin[0]
    assert "blauwe plek" not in admin[0] and chat.to("noor")[0].buttons == ()  # the code only: no access
    staff = " ".join(_texts(chat, "sanne"))
    assert "0800-2000" in staff and "niet opgepakt" in staff
    assert "Geen toegang" in service.show_case("noor", d.code).text()
    assert [r.status for r in rows(service, d.code) if r.kind == "D5"][-1] == "cancelled"  # the chain ends


def test_d5_with_no_other_deputy_the_admins_and_the_staff_member_hear_of_it(service, chat, clock):
    assert service.record_absence("noor", "mila", dt.date(2026, 3, 2), dt.date(2026, 3, 20)).ok
    d = Dialog(service, chat)
    d.play([*REQUEST_THIS_WEEK[:-1], (*REQUEST_THIS_WEEK[-1][:3], "Daan Bakker gevraagd")])  # Daan acts as AF
    chat.sent.clear()
    ReminderSender(service).run_once(local(2026, 3, 3, 11))
    assert [m for m in _texts(chat, "daan") if "niet opgepakt" in m] == []  # not back to the same deputy
    assert len(_texts(chat, "noor")) == 1 and "0800-2000" in " ".join(_texts(chat, "sanne"))


def test_d5_a_request_for_today_escalates_after_two_office_hours(service, chat, clock):
    d = Dialog(service, chat)
    d.play(OPEN_TO_STEP2)  # urgency "vandaag nog", asked Monday 10:00
    chat.sent.clear()
    sender = ReminderSender(service)
    sender.run_once(local(2026, 3, 2, 11, 55))
    assert _texts(chat, "daan") == []
    sender.run_once(local(2026, 3, 2, 12, 1))
    assert any("niet opgepakt" in m for m in _texts(chat, "daan"))
    assert "opgepakt" in service.take_up("daan", d.code).text()


def test_d6_does_not_nudge_while_the_case_waits_for_veilig_thuis(service, chat, clock):
    d = Dialog(service, chat)
    to_melding(d, clock)
    d.play([("sanne", "step5.melding", {"date": "2-3-2026", "identity": "open", "agreements": "x"}, None)])
    chat.sent.clear()
    sender = ReminderSender(service)
    for day in (10, 12, 16, 20):
        sender.run_once(local(2026, 3, day, 10))
    assert not any("staat al een tijd stil" in m.text for _, m in chat.sent)
    assert any("5 werkdagen" in m.text for _, m in chat.sent)  # D1 itself chases Veilig Thuis' feedback
    assert {r.status for r in rows(service, d.code) if r.kind == "D6"} <= {"cancelled"}


def test_d9_an_out_of_scope_case_reminds_the_staff_member_then_the_af_until_the_directie_knows(service, chat, clock):
    """T1/T2, D9: "directie informed: no" keeps the case open; the staff member is reminded after d9_days,
    from the second time the AF too, and recording that the directie knows closes the case and the reminders."""
    d = Dialog(service, chat)
    d.play(
        [
            ("sanne", "open", None, None),
            ("sanne", "triage.scope", {"scope": "pupils", "description": "pesten", "directie_informed": "nee"}, None),
        ]
    )
    chat.sent.clear()
    sender = ReminderSender(service)
    sender.run_once(local(2026, 3, 9, 10))  # 5 days on (a Saturday moved to Monday)
    assert any("directie van de school al op de hoogte" in m and d.code in m for m in _texts(chat, "sanne"))
    assert not any("directie" in m for m in _texts(chat, "mila"))
    assert chat.to("sanne")[-1].buttons[0].label == "Ga verder"
    chat.sent.clear()
    sender.run_once(local(2026, 3, 16, 10))
    assert any("directie van de school al op de hoogte" in m for m in _texts(chat, "sanne"))
    assert any("directie van de school al op de hoogte" in m for m in _texts(chat, "mila"))
    assert not any(r.kind == "D6" and r.status == "sent" for r in rows(service, d.code))  # D9 is this step's nudge
    clock.now = local(2026, 3, 16, 11)
    d.play([("sanne", "triage.directie", {"informed": "ja", "date": "16-3-2026", "who": "de directeur"}, "Buiten")])
    assert {r.status for r in rows(service, d.code) if r.kind == "D9"} <= {"sent", "cancelled"}
    assert not [r for r in rows(service, d.code) if r.status == "pending"]
