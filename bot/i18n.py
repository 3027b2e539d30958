"""The language of the moment (nl or en): set per inbound event from the person, read by texts and flows."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping

from flows.model import Flow
from flows.translate import LANGUAGES

DEFAULT = "nl"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("language", default=DEFAULT)


def current() -> str:
    return _current.get()


def normalise(language: str | None) -> str:
    """A Slack locale (en-US, nl-NL) or a typed word (en, english, nederlands) as nl or en."""
    word = (language or "").strip().lower()
    if word.startswith("en"):
        return "en"
    return DEFAULT


@contextlib.contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Everything rendered inside speaks this language (a DM in the recipient's, a reply in the asker's)."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    try:
        yield
    finally:
        _current.reset(token)


def set_for_event(language: str | None) -> None:
    """For the rest of this request's context (Bolt runs the listener in the request's own thread)."""
    _current.set(language if language in LANGUAGES else DEFAULT)


class LocalizedFlows(Mapping[int, Flow]):
    """{version: flow} that answers in the language of the moment; the structure is the same in each."""

    def __init__(self, by_language: Mapping[str, Mapping[int, Flow]]):
        self.by_language = by_language

    def __getitem__(self, version: int) -> Flow:
        return self.by_language[current()][version]

    def __iter__(self):
        return iter(self.by_language[DEFAULT])

    def __len__(self) -> int:
        return len(self.by_language[DEFAULT])
