"""Small pure rules of the meldcode that are computed rather than asked."""

from __future__ import annotations


def discuss_melding_with(age: int | None) -> frozenset[str]:
    """S5.3: discuss a melding with the client from 12 years, and with the parent while under 16."""
    if age is None:
        return frozenset({"client", "parent"})
    who = set()
    if age >= 12:
        who.add("client")
    if age < 16:
        who.add("parent")
    return frozenset(who)
