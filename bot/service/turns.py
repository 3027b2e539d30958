"""Whose turn it is after an answer (B2/B3): the AF and the staff member each learn what the other recorded, in
their living message of the case (bot.service.living), and are notified when it becomes theirs."""

from __future__ import annotations

from bot.messages import Message, Reply
from bot.service import wording
from bot.service.call import Call
from bot.service.core import Core
from flows.model import Flow, Node
from storage.models import Case


def your_turn_af(core: Core, case: Case, node: Node) -> Message:
    flow = core.flows[case.flow_version]  # in the language of the recipient, who may read another
    node = flow.nodes[node.id]
    return Message(
        core.texts(
            "dms.your_turn_af",
            code=case.code,
            title=node.title,
            step=flow.steps[node.step].title,
            staff=case.owner.name,
        ),
        buttons=wording.open_button(core.texts, case.code),
        case_code=case.code,
        living=True,
        notify=True,
    )


def announce(core: Core, call: Call, case: Case, flow: Flow, answered: Node, acted_as: str, reply: Reply) -> None:
    """B2/B3: the AF and the staff member each learn what the other recorded and whose turn it is."""
    if acted_as == "af" and case.owner_id != call.person.id:
        call.dm(
            case.owner,
            lambda: Message(
                core.texts(
                    "dms.af_recorded",
                    af=call.person.name,
                    code=case.code,
                    title=core.flows[case.flow_version].nodes[answered.id].title,
                ),
                buttons=wording.open_button(core.texts, case.code),
                case_code=case.code,
                living=True,
            ),
        )
    if case.current_node is None:
        return
    nxt = flow.nodes[case.current_node]
    if nxt.actor == "af" and acted_as != "af":
        af = core.acting_af(call)
        if af is None:
            core.no_af_reachable(call, case.code, reply)
        elif af.id != call.person.id:
            call.dm(af, lambda: your_turn_af(core, case, nxt))
    elif nxt.actor in ("staff", "together") and acted_as == "af" and case.owner_id != call.person.id:
        call.dm(
            case.owner,
            lambda: Message(
                core.texts(
                    "dms.your_turn_staff",
                    code=case.code,
                    title=core.flows[case.flow_version].nodes[nxt.id].title,
                    step=core.flows[case.flow_version].steps[nxt.step].title,
                ),
                buttons=wording.open_button(core.texts, case.code),
                case_code=case.code,
                living=True,
                notify=True,
            ),
        )
