"""Logging for operators: plain lines, or JSON lines (MELDCODE_LOG_FORMAT=json) for a log collector. Messages
never hold case content or tokens: the code logs ids, counts and error types only."""

from __future__ import annotations

import json
import logging


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        if record.exc_info:
            entry["error"] = record.exc_info[0].__name__ if record.exc_info[0] else ""  # the type, not the values
        return json.dumps(entry, ensure_ascii=False)


def configure(level: str, fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonLines() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=level, handlers=[handler], force=True)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are noise for operators
    quiet_libraries()


def quiet_libraries() -> None:
    """Libraries that log statements, parameters or payloads at INFO or DEBUG (SQLAlchemy's engine logs every
    statement with its parameters; slack_sdk and Bolt request and response bodies): typed text must never reach a
    log, whatever MELDCODE_LOG_LEVEL says."""
    for name in ("sqlalchemy", "psycopg", "slack_sdk", "slack_bolt", "urllib3", "apscheduler.executors"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # WeasyPrint reports its progress at INFO and quotes the document's HTML or CSS in its warnings (the dossier):
    # its errors only.
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
