"""Many organisations in one deployment (issue "scale"): each workspace its own people, cases, reminders, figures
and exports; nothing crosses. These tests try."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from bot.jobs.reminders import ReminderSender
from bot.messages import Message
from bot.tenants import Tenants
from flows.loader import load_all
from storage import cases as case_repo
from storage import organisations as org_repo
from storage import reminders as reminder_repo
from tests.bot.dialog import Dialog, new_case


@dataclass
class OrgChat:
    """Records which organisation each DM went out for (the Slack token is per workspace)."""

    sent: list[tuple[str, str, Message]] = field(default_factory=list)

    def send_dm(self, *, org_key: str, person_id: str, message: Message, done=None) -> None:
        self.sent.append((org_key, person_id, message))
        if done is not None:
            done(None)

    def deliver(self, *, org_key: str, person_id: str, message: Message) -> None:
        self.sent.append((org_key, person_id, message))

    def to(self, person_id: str) -> list[Message]:
        return [m for _, p, m in self.sent if p == person_id]


def two_workspaces(store, clock):
    chat = OrgChat()
    tenants = Tenants(store=store, flows=load_all(), chat=chat, single=None, clock=clock)
    for team, prefix in (("TA", "A"), ("TB", "B")):
        tenants.install(team_id=team, team_name=f"SWV {prefix}", installer=f"U{prefix}ADMIN", installer_name="Admin")
        for uid, name in (
            (f"U{prefix}1", f"Staff {prefix}"),
            (f"U{prefix}AF", f"AF {prefix}"),
            (f"U{prefix}DEP", f"Deputy {prefix}"),
        ):
            tenants.join(team_id=team, user_id=uid, name=name)
        svc = tenants.for_team(team)
        assert svc.set_roles(f"U{prefix}ADMIN", f"U{prefix}1", staff_role="kindkrachtspecialist").ok
        assert svc.set_roles(f"U{prefix}ADMIN", f"U{prefix}AF", staff_role="onderwijskundig_medewerker", af=True).ok
        assert svc.set_roles(
            f"U{prefix}ADMIN", f"U{prefix}DEP", staff_role="onderwijskundig_medewerker", deputy=True
        ).ok
    return tenants, chat


def open_with_signal(svc, chat, who: str, text: str) -> str:
    d = Dialog(svc, chat)
    d.play(
        [
            (who, "open", None, None),
            (who, "triage.scope", {"scope": "domestic"}, None),
            (who, "triage.forms", {"forms": ["lichamelijk"], "age": "9"}, None),
            (who, "triage.kindcheck", {"siblings": "nee"}, None),
            (who, "step1.signal", {"kind": "fact", "text": text, "observed_on": "2-3-2026"}, None),
        ]
    )
    return d.code


def test_each_workspace_is_its_own_organisation_and_nothing_crosses(store, clock):
    tenants, chat = two_workspaces(store, clock)
    a, b = tenants.for_team("TA"), tenants.for_team("TB")
    code_a = open_with_signal(a, chat, "UA1", "ALLEEN-IN-A")
    code_b = open_with_signal(b, chat, "UB1", "ALLEEN-IN-B")
    assert code_a == code_b == "MC-2026-0001"  # each organisation counts its own cases
    # The same code shows each workspace its own case; a person of A is unknown in B.
    assert "ALLEEN-IN-A" in a.show_case("UA1", code_a).text() and "ALLEEN-IN-B" not in a.show_case("UA1", code_a).text()
    assert not b.show_case("UA1", code_a).ok and "ken je nog niet" in b.show_case("UA1", code_a).text()
    assert not b.show_case("UBAF", code_a).text().count("ALLEEN-IN-A")
    # Exports and figures stay inside the organisation.
    assert "ALLEEN-IN-B" not in a.export("UAAF", code_a).text()
    assert "geopend: <5" in a.stats("UAAF", dt.date(2026, 1, 1), dt.date(2026, 12, 31)).text()
    assert not a.stats("UBAF", dt.date(2026, 1, 1), dt.date(2026, 12, 31)).ok
    # The consultation DM of A went to A's AF, for workspace A only.
    assert {org for org, person, _ in chat.sent if person == "UAAF"} == {"TA"}
    assert {person for org, person, _ in chat.sent if org == "TB"} <= {"UBAF", "UB1", "UBDEP", "UBADMIN"}


def test_reminders_of_one_organisation_go_out_only_through_its_own_sender(store, clock):
    tenants, chat = two_workspaces(store, clock)
    codes = {}
    for team, who in (("TA", "UA1"), ("TB", "UB1")):
        svc = tenants.for_team(team)
        codes[team] = new_case(svc, who)
        with store.transaction() as s:
            org = org_repo.get_organisation(s, key=team)
            case = case_repo.get_case(s, org_id=org.id, code=codes[team])
            reminder_repo.schedule(
                s,
                case=case,
                kind="D6",
                recipient_role="staff",
                recipient_id=case.owner_id,
                due=[clock.now + dt.timedelta(minutes=5)],
                node_id=None,
                now=clock.now,
            )
    chat.sent.clear()
    report = ReminderSender(tenants.for_team("TA")).run_once(clock.now + dt.timedelta(hours=1))
    assert report.sent == 1 and [(org, person) for org, person, _ in chat.sent] == [("TA", "UA1")]
    assert ReminderSender(tenants.for_team("TB")).run_once(clock.now + dt.timedelta(hours=1)).sent == 1
    assert [(org, person) for org, person, _ in chat.sent] == [("TA", "UA1"), ("TB", "UB1")]


def test_an_uninstalled_workspace_is_not_served_its_reminders_stop_and_retention_follows(store, clock):
    tenants, chat = two_workspaces(store, clock)
    b = tenants.for_team("TB")
    code = open_with_signal(b, chat, "UB1", "x")
    assert tenants.uninstall("TB")
    assert tenants.for_team("TB") is None
    assert [s.org.key for s in tenants.all()] == ["TA"]
    with store.transaction() as s:
        org = org_repo.get_organisation(s, key="TB")
        case = case_repo.get_case(s, org_id=org.id, code=code)
        assert case is not None  # the data stays, under the organisation's retention
        assert reminder_repo.pending(s, case_id=case.id) == []
    from bot.jobs.retention import expired_cases, purge_expired

    keeper = next(s for s in tenants.every_organisation() if s.org.key == "TB")
    assert expired_cases(keeper, clock.now + dt.timedelta(days=700)) == []  # 24 months after uninstalling
    assert purge_expired(keeper, clock.now + dt.timedelta(days=740)) == 1
    # Installing again brings the organisation back, with its people.
    tenants.install(team_id="TB", team_name="SWV B", installer="UBADMIN")
    assert tenants.for_team("TB").open_case("UB1").ok


def test_an_organisation_that_adopted_a_variant_follows_its_own_flow(store, clock, tmp_path):
    """Each workspace its own flow definition where it adopted a variant of the meldcode."""
    import shutil

    import yaml

    from flows.loader import definitions_dir

    base = tmp_path / "definitions"
    shutil.copytree(definitions_dir() / "meldcode", base / "meldcode")
    (base / "meldcode-variant").mkdir()
    raw = yaml.safe_load((base / "meldcode" / "1.yaml").read_text(encoding="utf-8"))
    raw["id"] = "meldcode-variant"
    raw["nodes"]["triage.scope"]["title"] = "Valt dit onder de stappen van de meldcode? (variant van SWV B)"
    (base / "meldcode-variant" / "1.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    shutil.copy(base / "meldcode" / "1.en.yaml", base / "meldcode-variant" / "1.en.yaml")
    chat = OrgChat()
    tenants = Tenants(store=store, flows=load_all(base), chat=chat, single=None, clock=clock, definitions=base)
    for team in ("TA", "TB"):
        tenants.install(team_id=team, team_name=team, installer=f"{team}ADMIN")
        tenants.join(team_id=team, user_id=f"{team}1", name="Staff")
    with store.transaction() as s:
        org_repo.get_organisation(s, key="TB").flow_id = "meldcode-variant"
    tenants = Tenants(store=store, flows=load_all(base), chat=chat, single=None, clock=clock, definitions=base)
    for team in ("TA", "TB"):
        svc = tenants.for_team(team)
        svc.set_roles(f"{team}ADMIN", f"{team}1", staff_role="trajectbegeleider")
    a = tenants.for_team("TA").open_case("TA1")
    b = tenants.for_team("TB").open_case("TB1")
    assert a.question.title == "Valt dit onder de stappen van de meldcode?"
    assert b.question.title == "Valt dit onder de stappen van de meldcode? (variant van SWV B)"
    new_case(tenants.for_team("TB"), "TB1")  # the first answer makes the case, on the variant
    with store.transaction() as s:
        org_b = org_repo.get_organisation(s, key="TB")
        assert org_repo.flow_ids_in_use(s, org_id=org_b.id) == {"meldcode-variant"}


def test_a_hosted_workspace_has_its_own_settings(store, clock):
    import datetime as dt

    tenants, chat = two_workspaces(store, clock)
    with store.transaction() as s:
        org_repo.get_organisation(
            s, key="TB"
        ).settings_yaml = "office_hours: '10:00-12:00'\nretention_months: {closed: 12}\n"
    tenants = Tenants(store=store, flows=load_all(), chat=chat, single=None, clock=clock)
    a, b = tenants.for_team("TA"), tenants.for_team("TB")
    assert a.org.office_hours == (dt.time(8, 30), dt.time(17, 0))
    assert b.org.office_hours == (dt.time(10, 0), dt.time(12, 0)) and b.org.retention_months["closed"] == 12
    nine = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)  # 09:00 in Amsterdam, a Monday
    assert ReminderSender(a).in_office_hours(nine) and not ReminderSender(b).in_office_hours(nine)
