"""Fixtures of the service's dialog tests: `d`, a dialog played by the demo organisation's people."""

from __future__ import annotations

import pytest

from tests.bot.dialog import Dialog


@pytest.fixture
def d(service, chat):
    return Dialog(service, chat)
