"""How much input the CLI reads: ``PACELINE_MAX_INPUT`` bytes (default ``cib.store.MAX_BYTES``)."""

from __future__ import annotations

import os

from paceline.cib.store import MAX_BYTES
from paceline.core.errors import ConfigError

ENV = "PACELINE_MAX_INPUT"


def max_input() -> int:
    """The limit on one file or stream the CLI reads, in bytes."""
    raw = os.environ.get(ENV)
    if raw is None or not raw.strip():
        return MAX_BYTES
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(
            "not a positive number of bytes", field=ENV, text=raw, expected="e.g. 67108864"
        )
    return value
