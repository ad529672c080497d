"""Deterministic simulator: whole clusters of pure cores on a simulated clock.

``world`` (event heap, clock, seeded RNGs), ``trace`` (one line per event),
``net`` (named networks of interfaces; datagrams, multicast and streams with
delay, loss, duplication, reordering, partitions, cable pulls, clogging, per
node pair, cable or network), ``disk`` (a request/completion BlockStore with
latency, a flush barrier, EIO, and loss of unflushed writes on a crash),
``node`` (nodes hosting cores, with a node-local bus between them; pause,
crash and restart), ``checkers`` (invariants over what cores report),
``system`` (the generic harness: networks, nodes' cores, nemesis, checkers),
``scenario`` (the demo's named runs and swarm), ``demo`` (a toy heartbeat
protocol). A scenario of a real core is a few lines of ``system.System``::

    system = System(seed, networks=("ring0", "ring1", "repl"))
    for name in ("n1", "n2", "n3"):
        system.node(name, boot_membership, boot_replication)
    system.check(ViewsAgree())
    system.nemesis(Unplug(1.0, 3.0, "n1", "ring0"), Partition(2.0, 4.0, ("n1",), network="repl"))
    result = system.run(10.0, settle=3.0)

Run ``python -m paceline.sim --seed N`` to print a run's trace, and
``python -m paceline.sim --scenario swarm --count 1000`` to hunt for failing seeds.
"""
