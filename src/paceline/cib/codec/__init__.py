"""The CIB XML codec: ``decode_cib(bytes, file=) -> Cib`` and ``encode_cib(Cib) -> bytes``.

Input may be any schema Pacemaker accepts (pacemaker-1.0 ... 3.x, ``none``,
and the pre-1.0 attribute names); legacy forms are upgraded while reading.
Output is always ``SCHEMA`` (pacemaker-3.9; ``none`` only for the rare
unvalidated CIB whose values that schema rejects, see ``schema_for``).
Decoding raises only ``ConfigError``, naming the file, line and
``element/@attribute`` (or ``parent/child``). XML comments of the
configuration are kept with the object that owns them and written as its
first children (``comments``; those in ``<status>`` are not kept).

Legacy forms read: roles ``Master``/``Slave``; ``<master>`` (kept, as
``Clone.legacy_master``); node type ``normal``; ``<attributes>`` wrapping
nvpairs; ``rsc_colocation from/to/from_role/to_role``; ``rsc_order
from/to/action/to_action/type``; rule ``score_attribute``; op ``requires``
(moved to the resource's meta attributes from start/promote ops); bundle
``masters``; pacemaker-1.x ACLs (``acl_user``, ``role_ref``,
``read``/``write``/``deny``); underscore spellings in operation history.
Names inside nvpairs that pacemaker-3.x rejects (``stonith_enabled``,
``default-resource-stickiness``...) are upgraded by ``paceline.cib.upgrade``
for CIBs read from a schema before 3.0; ``Cib.upgrade_notes`` says what changed.
"""

from paceline.cib.codec.decode import cib_from_element, decode_cib, parse_element
from paceline.cib.codec.encode import (
    cib_to_element,
    configuration_to_element,
    encode_cib,
    schema_for,
)
from paceline.cib.values import parse_bool

__all__ = [
    "cib_from_element",
    "cib_to_element",
    "configuration_to_element",
    "decode_cib",
    "encode_cib",
    "parse_bool",
    "parse_element",
    "schema_for",
]
