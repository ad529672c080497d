"""The I/O package: the only place for sockets, timers, threads and signals.

Each module is a thin asyncio adapter that gives the pure cores the ports of
``paceline.core.ports`` over the real thing, as ``paceline.sim`` gives them
over simulated ones: ``blockio`` (a ``BlockStore`` over a file), ``bus``
(the node-local ``LocalBus``), ``control`` (the versioned JSON-lines control
socket every daemon serves and the CLI calls).
"""
