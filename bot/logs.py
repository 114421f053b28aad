"""Log setup for the command line: plain text or one JSON object per line."""

from __future__ import annotations

import logging

from pythonjsonlogger.json import JsonFormatter


def json_formatter() -> logging.Formatter:
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, `extra=` keys."""
    return JsonFormatter(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger", "exc_info": "exception"},
        timestamp="time",
    )


def configure_logging(level: str, fmt: str) -> None:
    """Install one stderr handler on the root logger."""
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(json_formatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # discord.py logs every gateway event at DEBUG; keep our own debug output readable.
    for noisy in ("discord", "slack_bolt", "slack_sdk", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
