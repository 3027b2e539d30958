"""Structured logs for operators (issue "scale"): JSON lines a collector can read; errors by type only."""
from __future__ import annotations

import json
import logging

from bot.logs import JsonLines


def test_a_log_line_is_one_json_object_and_an_exception_gives_only_its_type():
    try:
        raise ValueError("KANARIE-in-een-exceptie")
    except ValueError:
        import sys
        record = logging.LogRecord("meldcode", logging.ERROR, __file__, 1, "pass failed: %s", ("ValueError",),
                                   sys.exc_info())
    line = JsonLines().format(record)
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["message"] == "pass failed: ValueError" and entry["error"] == "ValueError"
    assert "KANARIE" not in line and "\n" not in line
