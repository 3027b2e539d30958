"""Typed text as it is stored (hardening finding 3): control characters refused, not stored raw; only text."""

from __future__ import annotations

import pytest

from flows.answers import FieldError, clean_text


@pytest.mark.parametrize(
    "raw",
    [
        "rood \x1b[31mgevaar\x1b[0m",  # an ANSI escape sequence (colours, cursor moves, the terminal title)
        "bel\x07",
        "nul\x00teken",
        "C1\x9b31m",  # BEL, NUL, and the one-byte form of an escape sequence
        "half \ud800 teken",  # a lone UTF-16 surrogate: not text, and not storable
        "omgekeerd \u202e tekst",  # a bidirectional override: a line that reads otherwise than it holds
    ],
)
def test_control_characters_are_refused_with_their_own_reason(raw):
    with pytest.raises(FieldError) as refused:
        clean_text(raw)
    assert refused.value.code == "control_characters"


@pytest.mark.parametrize("raw", [{"x": 1}, ["a"], 5, None, b"bytes"])
def test_a_value_that_is_not_text_is_refused_not_stored_as_its_repr(raw):
    with pytest.raises(FieldError) as refused:
        clean_text(raw)
    assert refused.value.code == "not_text"


def test_what_a_user_would_expect_is_normalised_not_refused():
    assert clean_text("regel 1\r\nregel 2\rregel 3") == "regel 1\nregel 2\nregel 3"  # Windows and old Mac lines
    assert clean_text("  e\u0301n\tde tab  ") == "\u00e9n\tde tab"  # composed (NFC), trimmed, tabs kept
    assert clean_text("emoji 👍🏽 en ‍ joiner") == "emoji 👍🏽 en ‍ joiner"  # format characters of real text


def test_the_length_is_counted_after_normalising():
    assert clean_text("x" * 10, max_length=10) == "x" * 10
    with pytest.raises(FieldError) as refused:
        clean_text("x" * 11, max_length=10)
    assert refused.value.code == "too_long" and refused.value.params == {"max": 10}
