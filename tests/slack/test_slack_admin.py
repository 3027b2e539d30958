"""Administration in Slack over real HTTP (C5, C4): roles and absences from the App Home, changes effective at once."""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

from tests.slack.conftest import USERS
from tests.slack.test_slack_dialog import dm_containing

TODAY = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).date()  # the bot's day, not the machine's (UTC)


def home_of(slack, user: str, event_id: str) -> dict:
    slack.standin.clear()
    slack.event({"type": "app_home_opened", "user": USERS[user], "tab": "home"}, event_id)
    return slack.standin.wait_for("views.publish")[0]["view"]


def buttons(view: dict) -> list[str]:
    return [e["action_id"] for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def input_element(view: dict, field: str) -> dict:
    return next(b["element"] for b in view["blocks"] if b.get("block_id") == f"f:{field}")


def test_c5_an_admin_makes_daan_the_af_from_the_app_home(slack):
    home = home_of(slack, "noor", "Ev-h1")
    text = json.dumps(home, ensure_ascii=False)
    assert "Mila Jansen (UMILA): onderwijskundig medewerker, aandachtsfunctionaris" in text
    assert {"mc_manage_roles", "mc_record_absence", "mc_welcome_all"} <= set(buttons(home))
    # Staff see none of it.
    assert "mc_manage_roles" not in buttons(home_of(slack, "sanne", "Ev-h2"))

    slack.standin.clear()
    slack.button("noor", "mc_manage_roles", "")
    pick = slack.standin.wait_for("views.open")[0]["view"]
    assert pick["callback_id"] == "mc_roles_pick"
    response = slack.submit("noor", pick, {"person": USERS["daan"]}).json()
    roles = response["view"]
    assert response["response_action"] == "update" and roles["callback_id"] == "mc_roles"
    # The form shows Daan's roles as they are now.
    assert input_element(roles, "staff_role")["initial_option"]["value"] == "onderwijskundig_medewerker"
    assert [o["value"] for o in input_element(roles, "roles")["initial_options"]] == ["deputy"]

    slack.standin.clear()
    done = slack.submit("noor", roles, {"staff_role": "onderwijskundig_medewerker", "roles": ["af"]}).json()
    assert "Aandachtsfunctionaris is nu: Daan Bakker" in json.dumps(done, ensure_ascii=False)
    dm_containing(slack, "daan", "Je bent nu: onderwijskundig medewerker, aandachtsfunctionaris")
    dm_containing(slack, "mila", "Je bent nu: onderwijskundig medewerker.")
    refreshed = slack.standin.wait_until("views.publish", lambda c: c["user_id"] == USERS["noor"])
    assert "Noor Smit wijzigde Daan Bakker: nu aandachtsfunctionaris" in json.dumps(refreshed, ensure_ascii=False)


def test_b4_a_staff_role_that_cannot_be_af_is_refused_on_the_input_and_the_modal_stays(slack):
    slack.button("noor", "mc_manage_roles", "")
    pick = slack.standin.wait_for("views.open")[0]["view"]
    roles = slack.submit("noor", pick, {"person": USERS["tom"]}).json()["view"]
    refused = slack.submit("noor", roles, {"staff_role": "trajectbegeleider", "roles": ["af"]}).json()
    assert refused["response_action"] == "errors" and "onderwijskundig medewerker" in refused["errors"]["f:roles"]
    slack.button("sanne", "mc_manage_roles", "")
    assert "beheerder" in json.dumps(slack.standin.wait_for("views.open", 2)[-1]["view"], ensure_ascii=False)


def test_b4_the_af_records_an_absence_and_the_deputy_is_told(slack):
    assert "mc_record_absence" in buttons(home_of(slack, "mila", "Ev-h3"))
    slack.standin.clear()
    slack.button("mila", "mc_record_absence", "")
    form = slack.standin.wait_for("views.open")[0]["view"]
    assert input_element(form, "person")["initial_option"]["value"] == USERS["mila"]
    wrong = slack.submit(
        "mila",
        form,
        {"person": USERS["mila"], "start": (TODAY + dt.timedelta(days=3)).isoformat(), "end": TODAY.isoformat()},
    ).json()
    assert wrong["response_action"] == "errors" and "vóór de begindatum" in wrong["errors"]["f:end"]
    ok = slack.submit(
        "mila",
        form,
        {"person": USERS["mila"], "start": TODAY.isoformat(), "end": (TODAY + dt.timedelta(days=3)).isoformat()},
    ).json()
    assert "Daan Bakker neemt het in die tijd over" in json.dumps(ok, ensure_ascii=False)
    dm_containing(slack, "daan", "ben jij de aandachtsfunctionaris")


def test_c2_meldcode_uitleg_is_interactive_step_by_step(slack):
    answer = slack.command("sanne", "uitleg").json()
    steps = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [e["action_id"] for e in steps] == ["mc_explain"] * 6
    slack.standin.clear()
    slack.button("sanne", "mc_explain", steps[3]["value"])  # step 3, from the ephemeral answer
    modal = slack.standin.wait_for("views.open")[0]["view"]
    text = json.dumps(modal, ensure_ascii=False)
    assert "Stap 3: gesprek met de cliënt" in text and "0800-2000" in text and "112" in text
    nav = [e for b in modal["blocks"] if b["type"] == "actions" for e in b["elements"]]
    slack.button("sanne", "mc_explain", nav[1]["value"], view={**modal, "id": "V9", "hash": "h"})  # next
    updated = slack.standin.wait_for("views.update")[0]
    assert updated["view_id"] == "V9" and "Stap 4: wegen" in json.dumps(updated["view"], ensure_ascii=False)


def test_c7_the_board_gets_this_years_chart_as_a_png_in_its_own_dm(slack):
    home = home_of(slack, "els", "Ev-h9")
    assert "mc_stats_chart" in buttons(home) and "Meldcode in cijfers" in json.dumps(home, ensure_ascii=False)
    slack.standin.clear()
    slack.button("els", "mc_stats_chart", "")
    done = slack.standin.wait_for("files.completeUploadExternal")[0]
    assert done["channel_id"] == "D" + USERS["els"]  # her own DM, nowhere else
    assert "Meldcode in cijfers" in done["initial_comment"]
    png = next(iter(slack.standin.uploads.values()))
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    assert "staat in je berichten" in json.dumps(slack.standin.wait_for("views.open")[0]["view"], ensure_ascii=False)
    slack.button("sanne", "mc_stats_chart", "")  # staff: refused, nothing uploaded
    assert "bestuur" in json.dumps(slack.standin.wait_for("views.open", 2)[-1]["view"], ensure_ascii=False)
    assert len(slack.standin.of("files.getUploadURLExternal")) == 1


def test_someones_first_requests_at_once_ask_slack_for_their_locale_once(slack):
    """A burst of first requests (a modal opened twice, everyone after the install) asks users.info once per
    person; the others wait for that answer and speak the same language."""
    from concurrent.futures import ThreadPoolExecutor

    slack.standin.locales[USERS["tom"]] = "en-US"
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda _: slack.command("tom", "nieuw"), range(8)))
    assert all(r.status == 200 for r in replies)
    modals = slack.standin.wait_for("views.open", 8)
    assert len(slack.standin.of("users.info")) == 1
    title = "Does this fall under the steps of the meldcode?"
    assert sum(title in json.dumps(m["view"]) for m in modals) >= 7  # one may not wait


def test_english_for_someone_whose_slack_speaks_english_and_taal_switches(slack):
    slack.standin.locales[USERS["tom"]] = "en-US"
    slack.command("tom", "nieuw")
    modal = slack.standin.wait_for("views.open")[0]["view"]
    text = json.dumps(modal, ensure_ascii=False)
    assert "Does this fall under the steps of the meldcode?" in text and modal["submit"]["text"] == "Save"
    assert slack.standin.of("users.info")[0]["include_locale"] in (True, "true", "1")
    switched = slack.command("tom", "taal nl")
    assert "Vanaf nu spreek ik Nederlands" in switched.body
    slack.standin.clear()
    slack.command("tom", "nieuw")
    assert "Valt dit onder de stappen van de meldcode?" in json.dumps(
        slack.standin.wait_for("views.open")[0]["view"], ensure_ascii=False
    )
    assert slack.standin.of("users.info") == []  # asked once; the choice is stored
    slack.command("sanne", "nieuw")  # nl-NL
    assert "Valt dit onder de stappen van de meldcode?" in json.dumps(
        slack.standin.wait_for("views.open", 2)[-1]["view"], ensure_ascii=False
    )


def test_moment_modals_are_titled_by_what_they_are_for(slack):
    slack.button("noor", "mc_manage_roles", "")
    assert slack.standin.wait_for("views.open")[0]["view"]["title"]["text"] == "Rollen"
    slack.standin.clear()
    slack.button("tom", "mc_manage_roles", "")  # not an admin: refused, and titled so
    assert slack.standin.wait_for("views.open")[0]["view"]["title"]["text"] == "Niet mogelijk"
    slack.standin.clear()
    slack.button("sanne", "mc_explain", "")
    assert slack.standin.wait_for("views.open")[0]["view"]["title"]["text"] == "Uitleg meldcode"
