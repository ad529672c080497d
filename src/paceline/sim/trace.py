"""The run trace: one line per event, in fixed columns (TigerBeetle style).

::

      0.100000 n1    > dgram   n1:5405 -> n2:5405 61B
      0.100734 n2    < dgram   n1:5405 -> n2:5405 61B
      1.500000 n3    ! crash   incarnation 0
      2.000000 -     * clog    n1 -> n2

Columns: simulated time in seconds, node (``-`` for the world), a symbol,
the kind, free text. Symbols: ``>`` sent, ``<`` delivered, ``x`` dropped,
``=`` duplicated, ``~`` held (clogged/blocked), ``t`` timer, ``e`` event a
core emitted, ``!`` crash, ``^`` boot, ``*`` fault injected or healed,
``d`` disk, ``z`` paused, ``w`` resumed, ``V`` checker violation.
"""

from __future__ import annotations

from collections.abc import Callable


class Trace:
    """Collects trace lines (``lines``); optionally passes each to ``sink`` as it is made.

    Args:
        sink: called with every line (e.g. ``print``).
    """

    def __init__(self, sink: Callable[[str], None] | None = None) -> None:
        self.sink = sink
        self.lines: list[str] = []

    def emit(self, time: float, node: str, symbol: str, kind: str, detail: str = "") -> None:
        """Record one event."""
        line = f"{time:11.6f} {node:<5} {symbol} {kind:<8} {detail}".rstrip()
        self.lines.append(line)
        if self.sink is not None:
            self.sink(line)
