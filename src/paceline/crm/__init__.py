"""The crm shell's ``configure`` language: parse, print, and apply it to a CIB.

Pure functions (no I/O); the CLI is built on them:

- ``parse(text, file=None) -> list[Statement]``: crm text to statements;
- ``load(cib, text, mode="replace"|"update", file=, agent_exists=) -> (Cib, notices)``;
- ``apply_statement(cib, "primitive vip IPaddr2 params ip=...") -> (Cib, notices)``;
- ``delete(cib, ids, cascade=False) -> (Cib, notices)``;
- ``show(cib, ids=None) -> str``: the text ``crm configure show`` prints.

Errors are ``paceline.core.errors.ConfigError`` naming file, line and
column; every change not spelled out in the text (deprecated names
modernized, agents substituted, dependent objects removed) is returned as a
``Notice``. The migration tables live in ``paceline.crm.migrate``.
"""

from paceline.crm.api import DEFAULT_OBSCURE, LoadMode, apply_statement, load, show
from paceline.crm.delete import delete
from paceline.crm.migrate import (
    AGENT_SUBSTITUTIONS,
    PROPERTY_MIGRATIONS,
    AgentExists,
    Notice,
    NoticeKind,
)
from paceline.crm.parser import parse, parse_statement
from paceline.crm.statements import Statement, StatementKind

__all__ = [
    "AGENT_SUBSTITUTIONS",
    "DEFAULT_OBSCURE",
    "PROPERTY_MIGRATIONS",
    "AgentExists",
    "LoadMode",
    "Notice",
    "NoticeKind",
    "Statement",
    "StatementKind",
    "apply_statement",
    "delete",
    "load",
    "parse",
    "parse_statement",
    "show",
]
