"""DRBD's job in Python: replicated volumes between two nodes.

Pure modules: ``resconf`` (``.res`` files), ``states`` (DRBD's state names),
``gi`` (generation identifiers and the connect-time decision table),
``bitmap``, ``actlog``, ``metadata``. I/O edges are named ``device.py`` and
``fuse.py`` (DESIGN.md rule 1).
"""
