"""The crm shell's ``configure`` language: parse, print, and apply it to a CIB.

Pure functions (no I/O); the CLI is built on them:

- ``parse(text, file=None) -> list[Statement]``: crm text to statements;
- ``load(cib, text, mode="replace"|"update", file=, agent_exists=, filesystem_supported=)
  -> (Cib, notices)``;
- ``apply_statement(cib, "primitive vip IPaddr2 params ip=...") -> (Cib, notices)``;
- ``delete(cib, ids, cascade=False) -> (Cib, notices)``;
- ``rename(cib, old, new) -> (Cib, notices)``;
- ``modgroup(cib, group, "add"|"remove", rsc, position=, anchor=) -> Cib``;
- ``select(cib, ["type:primitive", "and", "web*"]) -> ids``: ``show``'s filters;
- ``show(cib, ids=None, obscure=DEFAULT_OBSCURE) -> str``: what ``crm configure
  show`` (crmsh 4.4) prints; ``obscure=()`` for text meant to be loaded back;
  ``show_objects(cib)`` gives each object's ``(id, text)`` in one pass.

Statements: node, primitive, rsc_template, group, clone, ms, bundle,
location, colocation, order, rsc_ticket, property, rsc_defaults,
op_defaults, fencing_topology, tag, role, acl_target, acl_group, alert,
monitor, and ``xml <...>`` for what crm syntax cannot say (an order's
require-all, a colocation's influence, a scored property block, ...).

Errors are ``paceline.core.errors.ConfigError`` naming file, line and
column; every change not spelled out in the text (deprecated names
modernized, agents and parameters substituted, dependent objects removed) is returned as a
``Notice``. The migration tables live in ``paceline.crm.migrate`` (its
cluster property rules are ``paceline.cib.upgrade``'s, shared with the CIB
upgrade).

Modules: ``lexer`` (words with locations), ``grammar`` + ``parse_*`` +
``acl`` (one per statement family), ``parser`` (dispatch), ``ids`` (crmsh's id scheme),
``build`` (statements <-> nested model), ``modernize`` (applies
``migrate``'s tables to the model: crm text once assembled, CIB XML as
decoded, so both give the same notices), ``printer`` + ``expressible`` + ``xmlform`` (show),
``api``, ``delete``, ``rename`` and ``selection`` (the functions above).
"""

from paceline.crm.api import (
    DEFAULT_OBSCURE,
    LoadMode,
    apply_statement,
    edit_objects,
    load,
    load_cib,
    show,
    show_objects,
)
from paceline.crm.delete import delete
from paceline.crm.migrate import (
    AGENT_SUBSTITUTIONS,
    PARAMETER_SUBSTITUTIONS,
    PROPERTY_MIGRATIONS,
    AgentExists,
    FilesystemSupported,
    Notice,
    NoticeKind,
)
from paceline.crm.modgroup import modgroup
from paceline.crm.parser import parse, parse_statement
from paceline.crm.rename import rename
from paceline.crm.selection import select
from paceline.crm.statements import Statement, StatementKind

__all__ = [
    "AGENT_SUBSTITUTIONS",
    "DEFAULT_OBSCURE",
    "PARAMETER_SUBSTITUTIONS",
    "PROPERTY_MIGRATIONS",
    "AgentExists",
    "FilesystemSupported",
    "LoadMode",
    "Notice",
    "NoticeKind",
    "Statement",
    "StatementKind",
    "apply_statement",
    "delete",
    "edit_objects",
    "load",
    "load_cib",
    "modgroup",
    "parse",
    "parse_statement",
    "rename",
    "select",
    "show",
    "show_objects",
]
