"""Block Kit builders are pure functions: every view validates through slack_sdk plus the limits it misses."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackObjectFormationError

from bot.messages import Action, Button, Message, Reply
from bot.service.questions import question_view
from bot.slack import blocks as kit
from bot.slack.limits import BlockKitError, checked_blocks, checked_view
from bot.slack.payloads import view_metadata, view_values
from bot.texts import Texts
from flows.loader import load_all
from flows.model import CaseState

TEXTS = Texts()
FLOW = load_all()[1]


@pytest.mark.parametrize("node_id", sorted(FLOW.nodes))
def test_every_step_of_the_flow_becomes_a_valid_modal(node_id):
    node = FLOW.nodes[node_id]
    question = question_view(
        TEXTS,
        FLOW,
        node,
        code="MC-2026-0042",
        state=CaseState(node=node_id),
        people=[("U1", "Sanne de Vries"), ("U2", "Tom Peters")],
    )
    view = kit.question_modal(question, TEXTS)
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert set(inputs) >= {f"f:{f.id}" for f in node.fields if f.when is None}
    assert view["private_metadata"] == f'{{"case":"MC-2026-0042","node":"{node_id}"}}'
    for field in (f for f in node.fields if f.when is not None):  # each shows, valid, once its condition holds
        ref, values = field.when.field, field.when.values
        chosen = kit.question_modal(question, TEXTS, current={ref: values[0]})
        assert f"f:{field.id}" in [b["block_id"] for b in chosen["blocks"] if b["type"] == "input"]


def test_long_choice_labels_keep_their_full_text_in_the_description():
    node = FLOW.nodes["step3.conversation"]
    view = kit.question_modal(
        question_view(TEXTS, FLOW, node, code="MC-1", state=CaseState(node=node.id), people=[]), TEXTS
    )
    options = next(b for b in view["blocks"] if b.get("block_id") == "f:held")["element"]["options"]
    long = options[1]
    assert len(long["text"]["text"]) <= 75
    assert (long["text"]["text"] + " " + long["description"]["text"]).startswith("Nee: concrete aanwijzingen")


def test_moment_a_conditional_field_shows_only_when_it_applies_and_is_then_required():
    node = FLOW.nodes["step1.signal"]
    question = question_view(TEXTS, FLOW, node, code="MC-1", state=CaseState(node=node.id), people=[])
    view = kit.question_modal(question, TEXTS)
    assert "f:source" not in [b.get("block_id") for b in view["blocks"]]  # was: always shown, "Alleen nodig als"
    kind = next(b for b in view["blocks"] if b.get("block_id") == "f:kind")
    assert kind["dispatch_action"] is True
    chosen = kit.question_modal(question, TEXTS, current={"kind": "third_party"})
    source = next(b for b in chosen["blocks"] if b.get("block_id") == "f:source")
    assert source["optional"] is False and "hint" not in source
    assert next(b for b in chosen["blocks"] if b.get("block_id") == "f:kind")["element"]["initial_option"]["value"] == (
        "third_party"
    )


def test_twelve_forms_use_a_multi_select_because_checkboxes_allow_ten():
    node = FLOW.nodes["triage.forms"]
    view = kit.question_modal(
        question_view(TEXTS, FLOW, node, code="MC-1", state=CaseState(node=node.id), people=[]), TEXTS
    )
    forms = next(b for b in view["blocks"] if b.get("block_id") == "f:forms")
    assert forms["element"]["type"] == "multi_static_select" and len(forms["element"]["options"]) == 12


def test_a_message_with_buttons_and_the_home_view_validate():
    message = Message(
        "Consultatieverzoek MC-2026-0001", buttons=tuple(Button("x", action, "MC-2026-0001") for action in Action)
    )
    blocks = kit.message_blocks(message, TEXTS)
    assert [e["action_id"] for e in blocks[-1]["elements"]][:2] == ["mc_open_case", "mc_take_up"]
    home = kit.home_view(Reply(messages=[message] * 60), TEXTS)
    assert len(home["blocks"]) <= 100


def test_a_long_case_overview_is_split_into_sections_of_at_most_3000_characters():
    text = "\n".join(f"regel {i} " + "x" * 80 for i in range(200))
    view = kit.info_modal(Reply(messages=[Message(text)]), TEXTS, title="Zaak MC-1")
    sections = [b for b in view["blocks"] if b["type"] == "section"]
    assert len(sections) > 5 and all(len(s["text"]["text"]) <= 3000 for s in sections)


def test_limits_slack_sdk_misses_are_enforced():
    section = {"type": "section", "text": {"type": "plain_text", "text": "x"}}
    with pytest.raises(BlockKitError, match="50"):
        checked_blocks([section] * 51)
    with pytest.raises(BlockKitError, match="unknown block"):
        checked_blocks([{"type": "marquee"}])
    radio = {
        "type": "input",
        "block_id": "f:x",
        "label": {"type": "plain_text", "text": "x"},
        "element": {
            "type": "radio_buttons",
            "action_id": "value",
            "options": [{"text": {"type": "plain_text", "text": str(i)}, "value": str(i)} for i in range(11)],
        },
    }
    with pytest.raises(BlockKitError, match="10 options"):
        checked_view({"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": [radio]})
    text_input = {
        "type": "input",
        "block_id": "f:x",
        "label": {"type": "plain_text", "text": "x"},
        "element": {"type": "plain_text_input", "action_id": "value", "max_length": 5000},
    }
    with pytest.raises(BlockKitError, match="3000"):
        checked_view({"type": "modal", "title": {"type": "plain_text", "text": "x"}, "blocks": [text_input]})
    with pytest.raises(SlackObjectFormationError):  # slack_sdk's own model refuses a title over 24 characters
        checked_view({"type": "modal", "title": {"type": "plain_text", "text": "x" * 30}, "blocks": [section]})


def test_errors_are_keyed_by_the_input_block_of_their_field():
    assert kit.field_errors({"term": "Vul dit in."}) == {"f:term": "Vul dit in."}


def test_payload_values_are_read_per_element_type():
    view = {
        "state": {
            "values": {
                "f:text": {"value": {"type": "plain_text_input", "value": "tekst"}},
                "f:choice": {"value": {"type": "radio_buttons", "selected_option": {"value": "a"}}},
                "f:multi": {
                    "value": {"type": "multi_static_select", "selected_options": [{"value": "x"}, {"value": "y"}]}
                },
                "f:date": {"value": {"type": "datepicker", "selected_date": "2026-03-02"}},
                "f:num": {"value": {"type": "number_input", "value": "14"}},
                "f:cm": {"value": {"type": "static_select", "selected_option": {"value": "U1"}}},
                "f:cm__name": {"value": {"type": "plain_text_input", "value": ""}},
                "f:other": {"value": {"type": "plain_text_input", "value": "wijk"}},
                "f:other__name": {"value": {"type": "plain_text_input", "value": "Wijkteam Noord"}},
                "f:weird": {"value": {"type": "rich_text_input"}},
                "not-a-field": {"value": {"type": "plain_text_input", "value": "x"}},
            }
        }
    }
    assert view_values(view) == {
        "text": "tekst",
        "choice": "a",
        "multi": ["x", "y"],
        "date": "2026-03-02",
        "num": "14",
        "cm": {"id": "U1"},
        "other": {"name": "Wijkteam Noord"},
    }


@pytest.mark.parametrize("raw", ["", "{", "[1]", '{"case": 5}', "null"])
def test_malformed_metadata_reads_as_nothing(raw):
    assert view_metadata({"private_metadata": raw}).get("case") is None


def test_moment_the_case_overview_is_sections_with_fields_within_slacks_limits():
    """Readable views: the case's facts as fields, a section per signal and answer (who, when), corrections beside
    them, the timeline collapsed to its last entries with the whole of it behind a button; what does not fit
    points to the dossier (100 blocks, 10 fields, 2000/3000 characters)."""
    from bot.messages import Entry, Overview
    from bot.slack.overview import overview_blocks

    answers = tuple(
        Entry(
            f"Vraag {i}",
            "Sanne de Vries (Kindkrachtspecialist) · ma 2 mrt 2026 09:00",
            tuple((f"Veld {j}", "x" * (300 if j == 0 else 20)) for j in range(14)),
            ("Correctie door Mila: <b>",),
        )
        for i in range(60)
    )
    signal = Entry(
        "feit of waarneming", "Sanne · ma 2 mrt", (("Signaal", "blauwe plek *vet* <@U1>"), ("Bron", "buurvrouw"))
    )
    overview = Overview(
        "Zaak MC-2026-0042 · open",
        (
            ("Geopend", "Sanne de Vries, ma 2 mrt 2026"),
            ("Nu", "Stap 2: consultatie"),
            ("Vorm(en)", "Lichamelijk geweld"),
        ),
        (("Signalen (1)", (signal,)), ("Stap 1: signalen", answers)),
        tuple(f"ma 2 mrt 2026 09:{i:02d} · Sanne · Vastgelegd: vraag {i}" for i in range(30)),
    )
    lead = overview_blocks(overview, TEXTS, "MC-2026-0042")
    view = kit.info_modal(Reply(messages=[Message("tekst")]), TEXTS, title="Zaak MC-2026-0042", lead=lead)
    blocks = view["blocks"]
    assert len(blocks) <= 100 and blocks[0] == {"type": "header", "text": kit.plain("Zaak MC-2026-0042 · open")}
    assert [f["text"] for f in blocks[1]["fields"]] == [
        "*Geopend*\nSanne de Vries, ma 2 mrt 2026",
        "*Nu*\nStap 2: consultatie",
        "*Vorm(en)*\nLichamelijk geweld",
    ]
    sections = [b for b in blocks if b["type"] == "section"]
    assert all(len(b.get("fields", [])) <= 10 for b in sections)
    assert all(len(b["text"]["text"]) <= 3000 for b in sections if "text" in b)
    typed = next(b for b in sections if "blauwe plek" in str(b))
    assert "&lt;@U1&gt;" in str(typed) and "<@U1>" not in str(typed)  # typed text mentions nobody
    assert any("zie het dossier" in str(b) for b in blocks if b["type"] == "context")  # 60 answers do not fit
    assert any(b["type"] == "context" and "Correctie door Mila" in str(b) for b in blocks)
    timeline = blocks[[b.get("text", {}).get("text") for b in blocks].index("Tijdlijn") + 1]
    assert timeline["text"]["text"].count("\n") == 4  # the last five
    more = next(b for b in blocks if b["type"] == "actions" and "mc_timeline" in str(b))
    assert more["elements"][0]["text"]["text"] == "Hele tijdlijn (30)"
