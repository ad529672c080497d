"""The lab: real multi-node clusters on one machine, made of Linux namespaces (root only).

Command line::

    paceline lab up --name demo --nodes 2 --scenario lamp   # record, wire, boot
    paceline lab exec --name demo node1 -- /etc/init.d/apache2 start
    paceline lab fault --name demo power-off node1          # and power-on, shutdown,
    paceline lab fault --name demo partition node1 --one-way  # reboot, freeze, thaw,
    paceline lab fault --name demo cable-pull rep1-2        # cable-plug, heal, loss, slow
    paceline lab shell --name demo node2
    paceline lab status --name demo
    paceline lab down --name demo        # or --all: every lab of the registry

From Python (tests, benchmarks, the demo)::

    from paceline.lab.lab import Lab
    lab = Lab.up("demo", 2, scenario_name="lamp")
    lab.exec("node1", ["hostname"])          # CompletedProcess, clean environment
    lab.power_off("node1"); lab.power_on("node1")
    lab.down()

Modules:

- ``plan`` (pure): names, addresses and cables of a lab from its index;
- ``impair`` (pure): partitions, loss and rate limits as data, and their nft rules;
- ``layout`` (pure): a node's directories and mount table;
- ``registry``: the JSON records every lab is found through;
- ``net``, ``node``, ``cgroup``, ``sh``: the host side (links, boots, freezer, tools);
- ``init``: a node's PID 1 (``python -m paceline.lab.init``);
- ``lab``: the ``Lab`` handle (up, down, power, exec); ``faults``: network faults;
- ``power``: the Redfish power service for ``fence_redfish`` inside nodes;
- ``scenario``: ``bare`` and ``lamp`` node preparation;
- ``probe``, ``fixtures``: timed probes from the host, test fixtures, the OCF runner.

A node: its network namespace ``pl<i>n<k>`` (kept while it is off) plus
fresh mount, UTS, IPC and PID namespaces per boot; own hostname,
``/etc/hosts`` naming every node, ``/proc``, ``/sys``, ``/run`` and ``/tmp``
(empty at each boot), ``/dev`` (overlay: loop and FUSE work, ``/dev/drbd*``
links stay private), ``/dev/shm``, ``/var/log``, ``/var/lib/{paceline,mysql,
apache2}``, copy-on-write ``/etc`` and ``/var``; the checkout running
Paceline stays visible at its path. Inside, NICs are ``pub0`` (and ``pub1``)
on the public bridge, ``rep<a>-<b>`` for the cable between nodes a and b.

This initialiser imports nothing: every node's PID 1 imports the package.
"""
