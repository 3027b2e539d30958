"""Issue "moment" in Slack over signed HTTP: from /meldcode nieuw to the AF's DM in three screens."""

from __future__ import annotations

import json

from tests.slack.test_slack_dialog import TODAY, dm_containing, node_of, open_and_walk_to_consultation


def test_moment_three_screens_from_nieuw_to_the_afs_dm_in_two_submissions(slack):
    """The triage in one modal (forms, age and siblings appear once the scope leads there), the first signal
    with "ask the AF now" and the urgency in the second; its submission stores both and DMs the AF; the third
    screen confirms and offers the next actions as buttons."""
    slack.command("sanne", "nieuw")
    first = slack.standin.wait_for("views.open")[0]["view"]
    inputs = [b["block_id"] for b in first["blocks"] if b["type"] == "input"]
    assert inputs == ["f:scope"] and first["title"]["text"] == "Nieuwe zaak"
    assert next(b for b in first["blocks"] if b.get("block_id") == "f:scope").get("dispatch_action") is True
    triage = {
        "scope": "domestic",
        "triage.forms/forms": ["lichamelijk"],
        "triage.forms/age": 9,
        "triage.kindcheck/siblings": "nee",
    }
    second = slack.submit("sanne", first, triage).json()["view"]
    grown = slack.standin.of("views.update")[-1]["view"]  # the form as it showed once "domestic" was picked
    assert [b["block_id"] for b in grown["blocks"] if b["type"] == "input"] == [
        "f:scope",
        "f:triage.forms/forms",
        "f:triage.forms/age",
        "f:triage.kindcheck/siblings",
    ]
    assert node_of(
        second
    ) == "step1.signal" and "Vraag de aandachtsfunctionaris om collegiale consultatie" in json.dumps(second)
    now = next(b for b in second["blocks"] if b.get("block_id") == "f:step2.request/now")
    assert now["element"]["initial_option"]["value"] == "ja"  # on by default
    assert slack.standin.of("chat.postMessage") == []  # nobody is asked yet
    signal = {"kind": "fact", "text": "blauwe plek", "observed_on": TODAY, "step2.request/urgency": "today"}
    third = slack.submit("sanne", second, signal).json()["view"]
    assert "Mila Jansen gevraagd" in json.dumps(third)
    actions = [e["action_id"] for b in third["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert actions[:4] == ["mc_add_signal", "mc_add_sisa", "mc_add_contact", "mc_open_case"]
    assert "Consultatieverzoek van Sanne de Vries" in dm_containing(slack, "mila", "Consultatieverzoek")["text"]
    # Two submissions in one modal (it was 7 in the walk): no other view was opened on the way.
    assert len([c for c in slack.standin.ever if c.method == "views.open"]) == 1


def test_moment_the_case_overview_in_slack_is_laid_out_and_the_whole_timeline_is_one_button_away(slack):
    code, _ = open_and_walk_to_consultation(slack)
    slack.standin.clear()
    slack.button("sanne", "mc_open_case", code)
    view = slack.standin.wait_for("views.open")[0]["view"]
    blocks = view["blocks"]
    headers = [b["text"]["text"] for b in blocks if b["type"] == "header"]
    assert headers[:4] == [
        f"Zaak {code} · open",
        "Signalen (1)",
        "Eerst even bepalen",
        "Stap 1: signalen in kaart brengen",
    ]
    assert "Tijdlijn" in headers and "Termijnen" in headers
    facts = [f["text"].split("\n")[0] for f in blocks[1]["fields"]]
    assert facts == ["*Geopend*", "*Nu*", "*Vorm(en)*"]
    signal = next(b for b in blocks if b["type"] == "section" and "van derden" in json.dumps(b, ensure_ascii=False))
    assert {f["text"].split("\n")[0] for f in signal["fields"]} >= {"*Signaal*", "*Wanneer*", "*Bron*"}
    assert "**" not in json.dumps(view)  # no raw Markdown
    slack.button("sanne", "mc_timeline", code, view={**view, "id": "V123", "hash": "h1"})
    whole = slack.standin.wait_for("views.push")[0]["view"]
    lines = "\n".join(b["text"]["text"] for b in whole["blocks"] if b["type"] == "section")
    assert lines.count("\n") + 1 > 5 and "geopend" in lines.lower()


def test_moment_the_boards_app_home_shows_this_years_figures_as_fields(slack):
    from tests.slack.test_slack_admin import home_of

    open_and_walk_to_consultation(slack)
    home = home_of(slack, "els", "Ev-board")
    fields = [f["text"] for b in home["blocks"] if b["type"] == "section" for f in b.get("fields", [])]
    assert any(f.startswith("*Lichamelijk geweld*\n") for f in fields), fields
    groups = [b["text"]["text"] for b in home["blocks"] if b["type"] == "section" and "fields" in b and "text" in b]
    assert len(groups) >= 3 and all(g.startswith("*") for g in groups)
    assert "mc_new_case" not in json.dumps(home)  # the board opens no cases
