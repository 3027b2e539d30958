"""C2: /meldcode uitleg explains the meldcode step by step, generated from the flow definition itself."""

from __future__ import annotations

from bot.messages import Action
from flows.loader import load_all


def test_c2_the_overview_lists_every_step_of_the_flow_with_a_button_and_the_safety_numbers(service):
    flow = load_all()[1]
    reply = service.explain()
    text = reply.text()
    for step in flow.steps.values():
        assert step.title in text and step.why in text
    assert "112" in text and "0800-2000" in text
    buttons = reply.messages[0].buttons
    assert [b.ref for b in buttons] == list(flow.steps) and all(b.action == Action.EXPLAIN for b in buttons)


def test_c2_a_step_shows_its_questions_from_the_definition_and_navigates(service):
    flow = load_all()[1]
    reply = service.explain("2")
    titles = [n.title for n in flow.nodes.values() if n.step == "2"]
    text = reply.text()
    assert titles and all(f"{i}. {t}" in text for i, t in enumerate(titles, 1))
    assert "Veilig Thuis 0800-2000" in text and "112" in text
    assert [b.ref for b in reply.messages[0].buttons] == ["1", "3", "-"]
    # The last step shows its outcomes; the navigation has no "next".
    last = service.explain("5")
    assert "Gemeld bij Veilig Thuis" in last.text()
    assert [b.ref for b in last.messages[0].buttons] == ["4", "-"]


def test_c2_one_source_of_truth_a_changed_title_in_the_definition_shows_in_the_explanation(service):
    import dataclasses

    node = next(n for n in service.latest.nodes.values() if n.step == "1")
    service.latest.nodes[node.id] = dataclasses.replace(node, title="Een andere titel")
    assert "Een andere titel" in service.explain("1").text()


def test_an_unknown_step_falls_back_to_the_overview(service):
    assert service.explain("99").text() == service.explain().text()
