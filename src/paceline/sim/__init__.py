"""Deterministic simulator: whole clusters of pure cores on a simulated clock.

``world`` (event heap, clock, seeded RNGs), ``trace`` (one line per event),
``net`` (datagrams and streams with delay, loss, duplication, reordering,
partitions, clogging), ``disk`` (a BlockStore that fails and forgets unflushed
writes on a crash), ``node`` (nodes hosting cores; pause, crash and restart),
``checkers`` (invariants over what cores report), ``scenario`` (a run as a
pure function of seed and scenario), ``demo`` (a toy heartbeat protocol).
Run ``python -m paceline.sim --seed N`` to print a run's trace, and
``python -m paceline.sim --scenario swarm --count 1000`` to hunt for failing seeds.
"""
