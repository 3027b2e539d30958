"""Benchmarks: figures as ratios against a baseline measured in the same run."""


def new_case(service, who: str) -> str:
    """A case as a person makes one: the first question, then its first answer (which creates it)."""
    first = service.open_case(who).question
    reply = service.answer(who, "", first.node_id, {"scope": "domestic"})
    return next(m.case_code for m in reply.messages if m.case_code)
