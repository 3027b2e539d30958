"""Whole cases in Slack over real HTTP: staff and AF in modals, the AF pinged by DM, and no content leaking."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from storage import cases as case_repo
from storage import reminders as reminder_repo
from tests.slack.conftest import USERS

CANARY = "KANARIE-9c1e"
TODAY = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()  # the bot's day, not the machine's (UTC)
FUTURE = (dt.date.today() + dt.timedelta(days=60)).isoformat()


def chain(slack, user: str, view: dict, answers: list[dict]) -> dict:
    """Submit answer after answer; each ack carries the next modal. Returns the last view."""
    for values in answers:
        response = slack.submit(user, view, values)
        assert response.status == 200, response.body
        body = response.json()
        assert body.get("response_action") == "update", body
        view = body["view"]
    return view


def node_of(view: dict) -> str:
    return json.loads(view["private_metadata"]).get("node", "")


def open_and_walk_to_consultation(slack) -> tuple[str, dict]:
    slack.command("sanne", "nieuw")
    view = slack.standin.wait_for("views.open")[0]["view"]
    assert json.loads(view["private_metadata"])["case"] == ""  # no case yet: the first answer makes it
    last = chain(
        slack,
        "sanne",
        view,
        [  # three screens (moment): the triage, then the first signal with the request; the third confirms
            {
                "scope": "domestic",
                "triage.forms/forms": ["lichamelijk", "verwaarlozing"],
                "triage.forms/age": 14,
                "triage.kindcheck/siblings": "ja",
                "triage.kindcheck/siblings_note": f"broertje {CANARY}",
            },
            {
                "kind": "third_party",
                "text": f"signaal {CANARY}",
                "source": f"bron {CANARY}",
                "observed_on": TODAY,
                "step2.request/urgency": "today",
            },
        ],
    )
    code = json.loads(last["private_metadata"])["case"]
    slack.button("sanne", "mc_add_sisa", code)  # S1.5 while the AF is asked, from the buttons under the reply
    sisa = slack.standin.wait_until("views.open", lambda c: "SISA" in json.dumps(c["view"]))["view"]
    assert "Vastgelegd: SISA" in json.dumps(slack.submit("sanne", sisa, {"given": "nee"}).json(), ensure_ascii=False)
    return code, last


def dms_to(slack, user: str) -> list[dict]:
    return [c for c in slack.standin.of("chat.postMessage") if c["channel"] == "D" + USERS[user]]


def dm_containing(slack, user: str, text: str) -> dict:
    """DMs go out off the ack path: wait for the one expected."""
    return slack.standin.wait_until(
        "chat.postMessage", lambda c: c["channel"] == "D" + USERS[user] and text in c["text"]
    )


def test_a_whole_case_in_slack_to_a_melding_with_the_af_pinged_and_deciding(slack):
    code, waiting = open_and_walk_to_consultation(slack)
    assert "Mila Jansen gevraagd" in json.dumps(waiting)
    ping = dm_containing(slack, "mila", "Consultatieverzoek")
    assert code in ping["text"] and "vandaag nog" in ping["text"] and "Lichamelijk geweld" in ping["text"]
    actions = [e["action_id"] for b in ping["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == ["mc_take_up", "mc_propose_moment", "mc_hand_to_deputy", "mc_open_case"]

    slack.standin.clear()
    slack.button("mila", "mc_take_up", code)
    consult = slack.standin.wait_for("views.open")[0]["view"]
    assert node_of(consult) == "step2.consultation"
    dm_containing(slack, "sanne", "opgepakt")
    after = chain(slack, "mila", consult, [{"date": TODAY, "outcome": f"uitkomst {CANARY}", "advice": "none"}])
    assert node_of(after) == "step3.conversation"

    slack.standin.clear()
    slack.button("sanne", "mc_continue", code)
    step3 = slack.standin.wait_for("views.open")[0]["view"]
    done = chain(
        slack,
        "sanne",
        step3,
        [
            {"held": "held"},
            {
                "date": TODAY,
                "with_whom": ["client", "parent"],
                "facts": f"feiten {CANARY}",
                "reaction": f"reactie {CANARY}",
            },
            {"decision": "not_needed", "note": f"noot {CANARY}"},
        ],
    )
    assert "aandachtsfunctionaris aan zet" in json.dumps(done)
    dm_containing(slack, "mila", "klaar voor jou")

    slack.standin.clear()
    slack.button("mila", "mc_open_case", code)
    overview = slack.standin.wait_for("views.open")[0]["view"]
    assert overview["callback_id"] == "mc_info" and CANARY in json.dumps(overview)  # the AF is on the case
    slack.standin.clear()
    slack.button("mila", "mc_continue", code, view={**overview, "id": "V123", "hash": "h1"})
    q1 = slack.standin.wait_for("views.update")[0]["view"]
    assert node_of(q1) == "step4.q1"
    discuss = chain(slack, "mila", q1, [{"answer": "b", "note": f"q1 {CANARY}"}, {"answer": "a"}, {"answer": "a"}])
    assert node_of(discuss) == "step5.discuss_client"
    assert code in dm_containing(slack, "els", "Sterk vermoeden")["text"]

    slack.standin.clear()
    slack.button("sanne", "mc_continue", code)
    s5 = slack.standin.wait_for("views.open")[0]["view"]
    assert "De melding bespreken met de jeugdige" in json.dumps(s5)  # S5.3 for a 14-year-old: both, one by one
    end = chain(
        slack,
        "sanne",
        s5,
        [
            {"discussed": "skip_safety", "reason": f"reden {CANARY}"},
            {"discussed": "skip_safety", "reason": f"reden {CANARY}"},
            {"involved": f"betrokkenen {CANARY}", "network": f"netwerk {CANARY}"},
        ],
    )
    assert "telefoongesprek met Veilig Thuis" in json.dumps(end)  # X4, in the modal, to the asker only
    end = chain(
        slack,
        "sanne",
        end,
        [
            {"date": TODAY, "identity": "open", "agreements": f"afspraken {CANARY}"},
            {"date": TODAY, "decision": "closed", "note": f"vt {CANARY}"},
        ],
    )
    assert "Gemeld bij Veilig Thuis" in json.dumps(end)
    store = slack.store()
    try:
        with store.transaction() as s:
            case = case_repo.get_case(s, org_id=1, code=code)
            assert case.status == "reported"
            stored = case_repo.answers(s, case_id=case.id)
            assert [a.node_id for a in stored] == [
                "triage.scope",
                "triage.forms",
                "triage.kindcheck",
                "step1.signal",
                "step2.request",
                "step1.sisa",
                "step2.consultation",
                "step3.conversation",
                "step3.report",
                "step3.verwijsindex",
                "step4.q1",
                "step4.q2",
                "step4.q3",
                "step5.discuss_client",
                "step5.discuss_parent",
                "step5.prepare",
                "step5.melding",
                "step5.vt_feedback",
            ]
            assert {a.actor_role for a in stored if a.node_id.startswith("step4.")} == {"af"}
            assert reminder_repo.pending(s, case_id=case.id) == []
    finally:
        store.dispose()
    # One living DM per case and person (moment): new posts only when it became their turn, the rest updates in
    # place; each new post removed the one before, so one message per case stays in each DM.
    slack.standin.wait_until("chat.update", lambda c: c["channel"] == "DUSANNE" and "Gemeld bij" in c["text"])
    slack.standin.wait_until("chat.update", lambda c: c["channel"] == "DUMILA" and "Gemeld bij" in c["text"])
    calls = [c for c in slack.standin.ever if c.method.startswith("chat.")]
    for user, notified in (("sanne", 3), ("mila", 2)):  # taken up, step 3, step 5; the request, step 4
        mine = [c for c in calls if c.params.get("channel") == "D" + USERS[user]]
        posts = [c for c in mine if c.method == "chat.postMessage"]
        assert len(posts) == notified, [p.params["text"] for p in posts]
        assert len([c for c in mine if c.method == "chat.update"]) >= 8
        assert len([c for c in mine if c.method == "chat.delete"]) == notified - 1
        assert {c.params["ts"] for c in mine if c.method == "chat.update"} <= {p.params.get("_ts") for p in posts}


def test_the_help_path_in_slack_records_the_plan_and_monitoring(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.standin.clear()
    slack.button("mila", "mc_take_up", code)
    consult = slack.standin.wait_for("views.open")[0]["view"]
    q1 = chain(
        slack,
        "mila",
        consult,
        [
            {"date": TODAY, "outcome": "x", "advice": "none"},
            {"held": "skip_contact"},
            {"reason": "verhuizing"},
            {"decision": "registered"},
        ],
    )
    plan = chain(slack, "mila", q1, [{"answer": "b"}, {"answer": "a"}, {"answer": "b"}, {"answer": "b"}])
    assert node_of(plan) == "step4.q4_plan"
    person = next(b for b in plan["blocks"] if b.get("block_id") == "f:casemanager")
    assert [o["value"] for o in person["element"]["options"]][:2] == [USERS["sanne"], USERS["tom"]]
    q5 = chain(
        slack,
        "mila",
        plan,
        [
            {
                "help": "gezinscoach",
                "term": TODAY,  # a term that has come: Q5 is answered at the term of the help
                "casemanager__name": "wijkteam Noord",
                "roles": "coach bezoekt wekelijks",
            }
        ],
    )
    assert node_of(q5) == "step4.q5"
    bad = slack.submit("mila", q5, {"answer": None})
    assert bad.json()["response_action"] == "errors" and "f:answer" in bad.json()["errors"]
    closed = chain(slack, "mila", q5, [{"answer": "b"}, {"agreements": "maandelijks", "checkins": FUTURE}])
    assert "monitoring loopt" in json.dumps(closed)


def test_q4b_the_term_is_extended_in_slack_by_a_new_help_plan_that_starts_as_the_old_one(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.standin.clear()
    slack.button("mila", "mc_take_up", code)
    consult = slack.standin.wait_for("views.open")[0]["view"]
    steps = [{"date": TODAY, "outcome": "x", "advice": "none"}, {"held": "skip_contact"}, {"reason": "verhuizing"}]
    q1 = chain(slack, "mila", consult, [*steps, {"decision": "registered"}])
    plan = chain(slack, "mila", q1, [{"answer": "b"}, {"answer": "a"}, {"answer": "b"}, {"answer": "b"}])
    first = {"help": "gezinscoach", "term": FUTURE, "casemanager__name": "wijkteam Noord", "roles": "coach"}
    assert node_of(chain(slack, "mila", plan, [first])) == "step4.q5"
    slack.standin.clear()
    slack.button("sanne", "mc_help_plan", code)  # the AF's decision (B3)
    assert "aandachtsfunctionaris" in json.dumps(slack.standin.wait_for("views.open")[0]["view"])
    slack.standin.clear()
    slack.button("mila", "mc_help_plan", code)
    form = slack.standin.wait_for("views.open")[0]["view"]
    initial = {b["block_id"]: b["element"].get("initial_value") for b in form["blocks"] if b["type"] == "input"}
    assert initial["f:help"] == "gezinscoach" and initial["f:roles"] == "coach"
    later = (dt.date.today() + dt.timedelta(days=120)).isoformat()
    done = slack.submit("mila", form, {**first, "term": later, "change": "de coach begint later"})
    assert "Vastgelegd" in json.dumps(done.json(), ensure_ascii=False)
    store = slack.store()
    try:
        with store.transaction() as s:
            case = case_repo.get_case(s, org_id=1, code=code)
            terms = [a.values["term"] for a in case_repo.answers(s, case_id=case.id) if a.node_id == "step4.q4_plan"]
            assert terms == [FUTURE, later]  # a new entry; the old plan stays as it was
            d2 = [r for r in reminder_repo.pending(s, case_id=case.id) if r.kind == "D2"]
            assert max(r.due_at for r in d2).date().isoformat() == later
    finally:
        store.dispose()


def test_forged_metadata_and_button_values_show_and_change_nothing(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.standin.clear()
    slack.button("tom", "mc_open_case", code)  # tom is not on the case
    view = slack.standin.wait_for("views.open")[0]["view"]
    assert "Geen toegang" in json.dumps(view) and CANARY not in json.dumps(view)
    forged = {
        "type": "modal",
        "callback_id": "mc_answer",
        "private_metadata": json.dumps({"case": code, "node": "step2.consultation"}),
        "title": {"type": "plain_text", "text": "x"},
        "blocks": [
            {
                "type": "input",
                "block_id": "f:outcome",
                "label": {"type": "plain_text", "text": "x"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
    }
    response = slack.submit("tom", forged, {"outcome": "vals"})
    assert "Geen toegang" in response.body
    garbage = {**forged, "private_metadata": "{not json"}
    assert slack.submit("tom", garbage, {"outcome": "x"}).status == 200
    store = slack.store()
    try:
        with store.transaction() as s:
            case = case_repo.get_case(s, org_id=1, code=code)
            assert all(a.values.get("outcome") != "vals" for a in case_repo.answers(s, case_id=case.id))
    finally:
        store.dispose()


def test_privacy_canary_never_reaches_a_channel_a_dm_a_stranger_or_the_logs(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.button("mila", "mc_take_up", code)
    slack.standin.wait_for("chat.postMessage", 2)
    slack.button("sanne", "mc_open_case", code)  # case content travels to its member through views.open
    overview = slack.standin.wait_until("views.open", lambda v: v["view"]["callback_id"] == "mc_info")
    assert CANARY in json.dumps(overview)
    for user in ("tom", "els", "daan", "sanne", "mila"):
        slack.event({"type": "app_home_opened", "user": USERS[user], "tab": "home"}, f"Ev-{user}")
    slack.standin.wait_for("views.publish", 5)
    for post in slack.standin.of("chat.postMessage"):
        assert post["channel"].startswith("D"), post["channel"]
        assert CANARY not in json.dumps(post)
    for home in slack.standin.of("views.publish"):
        assert CANARY not in json.dumps(home)
    logs = slack.logs()
    assert CANARY not in logs and "Traceback" not in logs


def test_reminder_buttons_snooze_and_mark_done_with_a_note(slack):
    code, _ = open_and_walk_to_consultation(slack)
    store = slack.store()
    try:
        with store.transaction() as s:
            case = case_repo.get_case(s, org_id=1, code=code)
            rid = reminder_repo.schedule(
                s,
                case=case,
                kind="D3",
                recipient_role="staff",
                recipient_id=case.owner_id,
                node_id=None,
                now=dt.datetime.now(dt.UTC),
                due=[dt.datetime.now(dt.UTC)],
            )[0]
    finally:
        store.dispose()
    slack.standin.clear()
    slack.button("sanne", "mc_snooze_week", f"{code}:{rid}")
    snoozed = slack.standin.wait_for("views.open")[0]["view"]
    assert "Ik herinner je opnieuw op" in json.dumps(snoozed)
    slack.standin.clear()
    slack.button("tom", "mc_snooze_day", f"{code}:{rid}")
    assert "Geen toegang" in json.dumps(slack.standin.wait_for("views.open")[0]["view"])
    slack.standin.clear()
    slack.button("sanne", "mc_reminder_done", f"{code}:{rid}")
    form = slack.standin.wait_for("views.open")[0]["view"]
    assert form["callback_id"] == "mc_reminder_done"
    assert slack.submit("sanne", form, {"note": ""}).json()["response_action"] == "errors"
    done = slack.submit("sanne", form, {"note": "Moeder gebeld"}).json()
    assert "afgehandeld" in json.dumps(done["view"])
    store = slack.store()
    try:
        with store.transaction() as s:
            row = reminder_repo.get(s, reminder_id=rid)
            assert row.status == "done" and row.done_note == "Moeder gebeld"
    finally:
        store.dispose()


def test_a_case_code_of_someone_else_shows_nothing_and_the_dossier_button_is_for_members(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.standin.clear()
    assert slack.command("tom", code).status == 200
    refused = slack.standin.wait_for("views.open")[0]["view"]
    assert "Geen toegang" in json.dumps(refused) and CANARY not in json.dumps(refused)
    slack.standin.clear()
    slack.button("sanne", "mc_export", code)
    dossier = slack.standin.wait_for("views.open")[0]["view"]
    assert dossier["title"]["text"].startswith("Dossier MC-") and "/dossier/" in json.dumps(dossier)  # one-time links
    assert CANARY not in json.dumps(dossier)  # the dossier itself never goes through Slack
    slack.standin.clear()
    slack.button("tom", "mc_export", code)
    assert "Geen toegang" in json.dumps(slack.standin.wait_for("views.open")[0]["view"])
    assert not any(CANARY in json.dumps(p) for p in slack.standin.of("chat.postMessage"))


def test_t5_the_acute_dm_to_the_af_mentions_who_raised_it_with_buttons_to_act(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.button("sanne", "mc_acute", code)
    alert = dm_containing(slack, "mila", "Acuut gevaar")
    mrkdwn = [b["text"]["text"] for b in alert["blocks"] if b["type"] == "section"]
    assert f"<@{USERS['sanne']}>" in mrkdwn[0] and "112" in mrkdwn[0] and code in mrkdwn[0]
    actions = [(e["action_id"], e["value"]) for b in alert["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions == [("mc_take_up", code), ("mc_open_case", code)]
