"""Roles kept current (C5, B4): admins manage roles and absences; the hand-over is logged; no case is stuck silently."""

from __future__ import annotations

import datetime as dt

from bot.config import load_config
from bot.service import ConversationService
from flows.loader import load_all
from storage import organisations as org_repo
from storage.models import Absence, AuditEntry
from tests.bot.dialog import Dialog
from tests.bot.scripts import OPEN_TO_STEP2

D = dt.date


def roles_of(service, who: str) -> str:
    return dict((pid, roles) for pid, _, roles in service.people())[who]


def test_c5_only_admins_change_roles_and_nothing_changes_on_refusal(service, chat):
    for who in ("sanne", "mila", "els"):
        reply = service.set_roles(who, "tom", af=True)
        assert not reply.ok and "beheerder" in reply.text()
    assert roles_of(service, "tom") == "trajectbegeleider"
    assert chat.to("tom") == []


def test_b4_c5_admin_makes_daan_af_at_once_mila_loses_it_both_told_and_logged(service, chat):
    reply = service.set_roles("noor", "daan", af=True)
    assert reply.ok, reply.text()
    assert "Aandachtsfunctionaris is nu: Daan Bakker" in reply.text()
    assert roles_of(service, "daan") == "onderwijskundig medewerker, aandachtsfunctionaris"
    assert roles_of(service, "mila") == "onderwijskundig medewerker"
    assert any(
        "Je bent nu: onderwijskundig medewerker, aandachtsfunctionaris" in t for t in [m.text for m in chat.to("daan")]
    )
    assert any("Je bent nu: onderwijskundig medewerker." in m.text for m in chat.to("mila"))
    # Takes effect at once: a consultation request now goes to Daan, and Mila can no longer take it up.
    d = Dialog(service, chat)
    d.play([*OPEN_TO_STEP2[:-1], ("sanne", "step2.request", {"urgency": "today"}, "Daan Bakker gevraagd")])
    assert not service.take_up("mila", d.code).ok
    assert service.take_up("daan", d.code).ok
    overview = service.people_overview("noor").text()
    assert "Noor Smit wijzigde Daan Bakker: nu aandachtsfunctionaris" in overview
    assert "Noor Smit wijzigde Mila Jansen: geen aandachtsfunctionaris meer" in overview
    with service.store.transaction() as session:
        actions = [e.action for e in session.query(AuditEntry)]
    assert "set_roles" in actions and "people_overview" in actions


def test_b4_the_af_and_deputies_are_onderwijskundig_medewerkers(service, chat):
    reply = service.set_roles("noor", "sanne", deputy=True)
    assert not reply.ok and "onderwijskundig medewerker." in reply.text()
    assert service.set_roles("noor", "tom", staff_role="onderwijskundig_medewerker", deputy=True).ok
    assert roles_of(service, "tom") == "onderwijskundig medewerker, plaatsvervangend aandachtsfunctionaris"
    assert not service.set_roles("noor", "tom", staff_role="kok").ok
    assert "nothing" not in service.set_roles("noor", "tom", deputy=True).text()
    assert "Er veranderde niets" in service.set_roles("noor", "tom", deputy=True).text()


def test_c5_roles_changed_in_the_app_survive_a_restart_with_the_config(store, chat, clock, service):
    service.set_roles("noor", "tom", staff_role="onderwijskundig_medewerker", deputy=True)
    service.set_roles("noor", "els", board=False)
    again = ConversationService(store=store, flows=load_all(), org=load_config(None), chat=chat, clock=clock)
    again.bootstrap()  # the config still says tom is a trajectbegeleider and els is the board contact
    assert roles_of(again, "tom") == "onderwijskundig medewerker, plaatsvervangend aandachtsfunctionaris"
    assert roles_of(again, "els") == "geen rol"
    assert roles_of(again, "sanne") == "Kindkrachtspecialist"  # the config still seeds the others


def test_c5_removing_the_af_hands_over_to_the_deputy_and_without_one_warns_the_admins(service, chat):
    reply = service.set_roles("noor", "mila", af=False)
    assert "Aandachtsfunctionaris is nu: Daan Bakker" in reply.text()
    assert roles_of(service, "daan").endswith("(nu waarnemend)")
    reply = service.set_roles("noor", "daan", deputy=False)
    assert "er is nu geen aandachtsfunctionaris" in reply.text()


def test_b4_absence_hands_the_af_over_to_the_deputy_logged_and_told(service, chat, clock):
    # clock: Monday 2 March 2026
    reply = service.record_absence("mila", "", D(2026, 3, 2), D(2026, 3, 6))
    assert reply.ok, reply.text()
    assert "Vastgelegd: Mila Jansen is afwezig van ma 2 mrt 2026 t/m vr 6 mrt 2026." in reply.text()
    assert "Daan Bakker neemt het in die tijd over" in reply.text()
    handover = [m.text for m in chat.to("daan")]
    assert any(
        "Mila Jansen is afwezig van ma 2 mrt 2026 t/m vr 6 mrt 2026" in t and "ben jij de aandachtsfunctionaris" in t
        for t in handover
    )
    d = Dialog(service, chat)
    d.play([*OPEN_TO_STEP2[:-1], ("sanne", "step2.request", {"urgency": "today"}, "Daan Bakker gevraagd")])
    assert "overdracht van Mila Jansen aan Daan Bakker" in service.people_overview("noor").text()
    # After the absence, Mila is the AF again without anyone doing anything.
    clock.advance(days=7)
    assert roles_of(service, "daan") == "onderwijskundig medewerker, plaatsvervangend aandachtsfunctionaris"


def test_absence_input_is_checked_and_changes_nothing(service, chat):
    for start, end, words in (
        (None, None, "begin- en einddatum"),
        (D(2026, 3, 6), D(2026, 3, 2), "vóór de begindatum"),
        (D(2026, 1, 1), D(2026, 1, 2), "in het verleden"),
    ):
        reply = service.record_absence("mila", "", start, end)
        assert not reply.ok and words in reply.text()
    assert not service.record_absence("sanne", "", D(2026, 3, 3), D(2026, 3, 4)).ok  # not AF or deputy
    assert not service.record_absence("daan", "mila", D(2026, 3, 3), D(2026, 3, 4)).ok  # not for someone else
    assert "Er is geen afwezigheid vastgelegd" in service.people_overview("noor").text()
    assert chat.to("daan") == []


def test_c5_no_af_reachable_the_staff_member_and_the_admins_are_told(service, chat):
    service.record_absence("noor", "daan", D(2026, 3, 2), D(2026, 3, 13))
    reply = service.record_absence("noor", "mila", D(2026, 3, 2), D(2026, 3, 13))
    assert "geen plaatsvervanger beschikbaar" in reply.text()
    d = Dialog(service, chat)
    d.play(
        [
            *OPEN_TO_STEP2[:-1],
            (
                "sanne",
                "step2.request",
                {"urgency": "today"},
                "geen aandachtsfunctionaris of plaatsvervanger bereikbaar",
            ),
        ]
    )
    assert any(f"bereikbaar voor zaak {d.code}" in m.text for m in chat.to("noor"))


def test_cancel_an_absence_by_number(service, chat):
    service.record_absence("mila", "", D(2026, 3, 9), D(2026, 3, 13))
    with service.store.transaction() as session:
        absence_id = org_repo.absences_from(session, org_id=1, on=D(2026, 3, 2))[0].id
    assert not service.cancel_absence("sanne", absence_id).ok
    assert "geschrapt" in service.cancel_absence("mila", absence_id).text()
    assert "schrapte de afwezigheid van Mila Jansen" in service.people_overview("noor").text()
    assert not service.cancel_absence("mila", absence_id).ok


def test_c4_admins_send_the_welcome_again_to_everyone(service, chat):
    assert not service.welcome_all("sanne").ok
    reply = service.welcome_all("noor")
    assert "opnieuw verstuurd aan 6 mensen" in reply.text()
    for who in ("sanne", "tom", "mila", "daan", "els", "noor"):
        assert any(m.text.startswith("Welkom!") and "Mila Jansen" in m.text for m in chat.to(who))


def test_c5_a_new_workspace_member_gets_a_role_from_an_admin(service, chat):
    assert not service.set_roles("noor", "U123NEW", staff_role="trajectbegeleider").ok  # unknown without a name
    assert service.set_roles("noor", "U123NEW", staff_role="trajectbegeleider", name="Joost").ok
    assert service.open_case("U123NEW").ok


def test_c7_close_of_case_question_is_opt_in_anonymous_once_and_counted(service, chat):
    from bot.messages import Action
    from storage.models import Feedback

    d = Dialog(service, chat)
    d.play(
        [
            ("sanne", "open", None, None),
            (
                "sanne",
                "triage.scope",
                {"scope": "professional", "description": "leerkracht duwde", "directie_informed": "ja"},
                "hielp de bot je de meldcode te volgen?",
            ),
        ]
    )
    buttons = [b for m in service.show_case("sanne", d.code).messages for b in m.buttons if b.action == Action.FEEDBACK]
    assert buttons == []  # asked once, at the close; not on every view
    assert not service.feedback("tom", d.code, "ja").ok  # not on the case
    assert not service.feedback("sanne", d.code, "misschien").ok
    assert "Dank je" in service.feedback("sanne", d.code, "deels").text()
    assert "al beantwoord" in service.feedback("sanne", d.code, "ja").text()
    with service.store.transaction() as session:
        rows = session.query(Feedback).all()
        assert [(r.year, r.month, r.answer) for r in rows] == [(2026, 3, "partly")]
        assert not hasattr(rows[0], "case_id") and not hasattr(rows[0], "person_id")
    figures = service.stats("mila", D(2026, 1, 1), D(2026, 12, 31)).text()
    assert "hielp de bot je de meldcode te volgen?" in figures and "deels: <5" in figures


def test_c7_feedback_counts_of_five_or_more_are_shown(service, chat):
    for _ in range(6):
        d = Dialog(service, chat)
        d.play(
            [
                ("sanne", "open", None, None),
                (
                    "sanne",
                    "triage.scope",
                    {"scope": "pupils", "description": "ruzie", "directie_informed": "ja"},
                    "Buiten het stappenplan",
                ),
            ]
        )
        service.feedback("sanne", d.code, "ja")
    figures = service.stats("els", D(2026, 3, 1), D(2026, 3, 31)).text()
    assert "  ja: 6" in figures and "  nee: -" not in figures and "  nee: 0" in figures


def test_b4_a_change_made_on_another_replica_counts_at_once(service, chat, store, clock):
    """Each process remembers who acts as AF; a role change or absence recorded by another process (here a
    second service on the same database) is seen by the very next request, not after a restart."""
    from bot.chat import RecordingChat

    other = ConversationService(store=store, flows=load_all(), org=load_config(None), chat=RecordingChat(), clock=clock)
    assert "Mila Jansen" in service.acute("sanne").text()  # this process now remembers Mila as acting AF
    assert other.set_roles("noor", "daan", af=True).ok
    assert "Daan Bakker" in service.acute("sanne").text()
    assert other.record_absence("noor", "daan", D(2026, 3, 1), D(2026, 3, 6)).ok
    assert "gewaarschuwd" not in service.acute("sanne").text()  # Daan away, no deputy left: nobody alerted
    with store.transaction() as session:
        absence_id = session.query(Absence).filter_by(source="app").one().id
    assert other.cancel_absence("noor", absence_id).ok
    assert "Ik heb Daan Bakker gewaarschuwd" in service.acute("sanne").text()
