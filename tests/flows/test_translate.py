"""English as a second language for the flow: an overlay with exactly the definition's texts, nothing else."""

from __future__ import annotations

import copy

import pytest
import yaml

from flows.loader import FlowDefinitionError, definitions_dir, load_all
from flows.translate import load_translations, texts_of, translate


def overlay() -> dict:
    return yaml.safe_load((definitions_dir() / "meldcode" / "1.en.yaml").read_text(encoding="utf-8"))


def test_every_version_of_the_flow_has_all_its_texts_in_english():
    flows = load_all()
    english = load_translations(flows)["en"]
    assert set(english) == set(flows)
    for version, flow in flows.items():
        en = english[version]
        assert en.steps["2"].title == "Step 2: collegial consultation"
        # Only words change: the same nodes, fields, choices, routes and rules.
        assert list(en.nodes) == list(flow.nodes)
        for nid, node in flow.nodes.items():
            assert [(f.id, f.type, [c.id for c in f.choices]) for f in en.nodes[nid].fields] == [
                (f.id, f.type, [c.id for c in f.choices]) for f in node.fields
            ]
            assert en.nodes[nid].next == node.next and en.nodes[nid].requires == node.requires
        # No text left in Dutch by accident (names of institutions aside).
        dutch, eng = texts_of(flow), texts_of(en)
        assert dutch["nodes"]["triage.scope"]["title"] != eng["nodes"]["triage.scope"]["title"]


def test_a_missing_or_extra_english_text_is_rejected_with_where():
    flow = load_all()[1]
    broken = copy.deepcopy(overlay())
    del broken["nodes"]["step4.q2"]["fields"]["answer"]["choices"]["b"]
    broken["nodes"]["step4.q2"]["colour"] = "blue"
    with pytest.raises(FlowDefinitionError) as err:
        translate(flow, broken, source="1.en.yaml")
    assert "nodes.step4.q2.fields.answer.choices.b: missing" in err.value.errors
    assert "nodes.step4.q2.colour: not in the definition" in err.value.errors


def test_the_forms_choice_is_translated_through_the_forms():
    en = translate(load_all()[1], overlay())
    assert [c.label for c in en.nodes["triage.forms"].fields[0].choices][:2] == [
        "Physical violence",
        "Psychological violence",
    ]
