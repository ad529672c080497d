"""The lab: real multi-node clusters on one machine, made of Linux namespaces.

Import what you use from the submodules (``paceline.lab.lab.Lab``,
``paceline.lab.faults``, ``paceline.lab.probe``, ``paceline.lab.fixtures``);
this package initialiser stays empty because every node's PID 1
(``python -m paceline.lab.init``) imports it too.
"""
