"""Text bound for a terminal: control characters shown, never obeyed.

Typed text is checked before it is stored (flows.answers.clean_text), but a database written before that check,
or restored from elsewhere, may still hold an ANSI escape sequence, a BEL or a NUL. Printed raw, such a
sequence could rewrite the AF's terminal (colours, the title, hidden lines); shown as `\\x1b` it is harmless.
"""

from __future__ import annotations

from flows.answers import CONTROL_CHARACTERS  # the same characters typed text may not hold


def printable(text: str) -> str:
    """Every control character but newline and tab as a visible escape (\\x1b, \\u202e)."""
    return CONTROL_CHARACTERS.sub(
        lambda m: (
            m.group().encode("unicode_escape").decode("ascii") if ord(m.group()) > 0xFF else f"\\x{ord(m.group()):02x}"
        ),
        text,
    )
