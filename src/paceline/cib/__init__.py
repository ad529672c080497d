"""Pacemaker's CIB as typed, immutable values.

- ``model``: the dataclasses (start here: its docstring shows how to build and
  navigate a CIB) and lookup helpers;
- ``score``: Pacemaker scores (±INFINITY clamping and addition);
- ``codec``: XML in (any schema Pacemaker accepts, legacy forms upgraded)
  and out (pacemaker-3.9), errors as ``ConfigError`` with file and line;
- ``upgrade``: the nvpair names pacemaker-3.x rejects, rewritten as
  Pacemaker's own upgrade does (applied on load of older schemas);
- ``versions``: (admin_epoch, epoch, num_updates) bumps and the
  configuration digest;
- ``diff``: what changed between two configurations, object by object;
- ``store``: the only I/O here, ``cib.xml`` + ``cib.xml.sig`` written atomically.
"""
