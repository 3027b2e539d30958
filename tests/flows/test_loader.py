"""The loader rejects definitions that could trap a case or that name things Python does not implement."""

from __future__ import annotations

import copy

import pytest
import yaml

from flows.loader import FlowDefinitionError, definitions_dir, load_all, parse_flow

BASE = yaml.safe_load((definitions_dir() / "meldcode" / "1.yaml").read_text(encoding="utf-8"))


def broken(mutate) -> FlowDefinitionError:
    data = copy.deepcopy(BASE)
    mutate(data)
    with pytest.raises(FlowDefinitionError) as info:
        parse_flow(data)
    return info.value


def test_the_bundled_definition_loads():
    flows = load_all()
    assert 1 in flows and flows[1].start == "triage.scope"


def test_unknown_keys_are_rejected_everywhere():
    err = broken(lambda d: d["nodes"]["step4.q1"].update(colour="red"))
    assert any("unknown key 'colour'" in e for e in err.errors)
    err = broken(lambda d: d.update(extra=1))
    assert any("unknown key 'extra'" in e for e in err.errors)


def test_a_transition_to_nowhere_is_rejected():
    err = broken(lambda d: d["nodes"]["step4.q3"]["next"][1].update(to="step4.q9"))
    assert any("step4.q9" in e and "neither a node nor an outcome" in e for e in err.errors)


def test_a_loop_without_exit_is_rejected():
    def trap(d):
        d["nodes"]["step1.more"]["next"] = [{"to": "step1.signal"}]

    err = broken(trap)
    assert any("no path from here ends in an outcome" in e for e in err.errors)


def test_unknown_guards_and_effects_are_rejected():
    err = broken(lambda d: d["nodes"]["step4.q1"]["next"][0].update(when={"moon_is_full": {}}))
    assert any("unknown guard 'moon_is_full'" in e for e in err.errors)
    err = broken(lambda d: d["nodes"]["step4.q1"].update(effects=["send_fax"]))
    assert any("unknown effect 'send_fax'" in e for e in err.errors)
    err = broken(
        lambda d: d["nodes"]["step4.q1"].update(effects=[{"schedule_reminder": {"kind": "D99", "to": ["af"]}}])
    )
    assert any("kind must be one of" in e for e in err.errors)


def test_the_last_route_must_be_unconditional():
    err = broken(
        lambda d: d["nodes"]["step4.q3"]["next"][1].update(when={"answer_is": {"field": "answer", "value": "b"}})
    )
    assert any("last route must have no 'when'" in e for e in err.errors)


def test_a_guard_on_a_choice_that_does_not_exist_is_rejected():
    err = broken(
        lambda d: d["nodes"]["step4.q1"]["next"][0].update(when={"answer_is": {"field": "answer", "value": "c"}})
    )
    assert any("'c' is not a choice of field 'answer'" in e for e in err.errors)


def test_unreachable_nodes_and_unused_outcomes_are_reported():
    def orphan(d):
        d["nodes"]["lost"] = copy.deepcopy(d["nodes"]["step3.skip"])
        d["outcomes"]["never"] = {"title": "x", "status": "closed"}

    err = broken(orphan)
    assert any("nodes.lost: cannot be reached" in e for e in err.errors)
    assert any("outcomes.never: no route leads to it" in e for e in err.errors)


def test_all_errors_are_reported_at_once():
    def many(d):
        d["nodes"]["step4.q1"]["actor"] = "janitor"
        d["nodes"]["step4.q2"]["fields"][0]["type"] = "colour"

    err = broken(many)
    assert len(err.errors) >= 2


def test_versions_are_loaded_side_by_side(tmp_path):
    folder = tmp_path / "meldcode"
    folder.mkdir()
    (folder / "1.yaml").write_text(yaml.safe_dump(BASE), encoding="utf-8")
    v2 = copy.deepcopy(BASE)
    v2["version"] = 2
    v2["nodes"]["step4.q1"]["title"] = "Vermoeden wegen (v2)"
    (folder / "2.yaml").write_text(yaml.safe_dump(v2), encoding="utf-8")
    flows = load_all(tmp_path)
    assert sorted(flows) == [1, 2]
    assert flows[2].nodes["step4.q1"].title.endswith("(v2)")
