"""The base of every part of the service: the core it works through, and what it reads of it."""

from __future__ import annotations

from bot.service.core import Core


class Part:
    def __init__(self, core: Core):
        self.core = core
        self.texts = core.texts
        self.flows = core.flows
        self.policy = core.policy
