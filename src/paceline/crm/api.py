"""The pure functions the CLI calls: load, apply one statement, delete, show.

All take a ``Cib`` and return a new one (the argument is never changed);
errors are ``ConfigError`` with file, line and column. Changes the crm text
did not spell out (a deprecated name modernized, an agent substituted, a
constraint removed with the resource it named) come back as ``Notice``s for
the CLI to print.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from enum import StrEnum

from paceline.cib.model import Cib, Colocation, Location, Node, Order, ResourceSet, Ticket
from paceline.core.errors import ConfigError
from paceline.crm import incremental, lexer
from paceline.crm.build import assemble, claimed_ids, flatten, key_of, merge, with_config
from paceline.crm.delete import delete
from paceline.crm.ids import IdAllocator
from paceline.crm.migrate import AgentExists, FilesystemSupported, Notice, NoticeKind
from paceline.crm.modernize import Origins, Scope, modernize
from paceline.crm.parser import named, parse_raw
from paceline.crm.printer import format_configuration, format_objects
from paceline.crm.rename import follow
from paceline.crm.statements import (
    CloneDef,
    Definition,
    GroupDef,
    Statement,
    StatementKind,
    Where,
    ids_of,
)

__all__ = [
    "DEFAULT_OBSCURE",
    "LoadMode",
    "apply_statement",
    "edit_objects",
    "load",
    "load_cib",
    "show",
    "show_objects",
]

DEFAULT_OBSCURE = ("passw*",)
"""Parameter names whose values ``show`` hides, as crmsh does by default."""


class LoadMode(StrEnum):
    REPLACE = "replace"  # the configuration becomes exactly the text
    UPDATE = "update"  # objects of the text replace those with the same id; others stay


def _allocator(statements: list[Statement], base_ids: Iterable[list[str]]) -> IdAllocator:
    """Ids taken by the new statements' contents and by everything already there."""
    ids = IdAllocator(ident for s in statements for ident in ids_of(s)[1:])
    for entry_ids in base_ids:
        for ident in entry_ids:
            ids.claim(ident)
    return ids


def _redefined(
    base_entries: list[Statement], keys: set[tuple[str, str]], unames: set[str]
) -> set[tuple[str, str]]:
    """The keys of the base objects that new objects with ``keys`` replace (a
    node also by its name)."""
    return {
        key_of(e)
        for e in base_entries
        if key_of(e) in keys or (isinstance(e.definition, Node) and e.definition.uname in unames)
    }


def _guessed(raws: list[lexer.Statement]) -> tuple[set[tuple[str, str]], set[str]]:
    """Keys and node names the raw statements probably define (see ``parser.named``)."""
    words = named(raws)
    kinds = (
        "object",
        StatementKind.NODE.value,
        StatementKind.PROPERTY.value,
        StatementKind.RSC_DEFAULTS.value,
        StatementKind.OP_DEFAULTS.value,
    )
    return {(kind, word) for word in words for kind in kinds}, words


def _defined(statements: list[Statement]) -> tuple[set[tuple[str, str]], set[str]]:
    """Keys and node names the parsed statements define."""
    unames = {s.definition.uname for s in statements if isinstance(s.definition, Node)}
    return {key_of(s) for s in statements}, unames


def _taken(
    base_ids: dict[tuple[str, str], list[str]], redefined: set[tuple[str, str]]
) -> list[str]:
    return [ident for key, ids in base_ids.items() if key not in redefined for ident in ids]


def load(
    cib: Cib,
    text: str,
    mode: LoadMode | str = LoadMode.REPLACE,
    *,
    file: str | None = None,
    agent_exists: AgentExists | None = None,
    filesystem_supported: FilesystemSupported | None = None,
) -> tuple[Cib, list[Notice]]:
    """Load crm configure text into ``cib``; the new CIB and what was changed on the way.

    ``mode="replace"``: the configuration section becomes what the text
    defines. ``mode="update"``: each object of the text replaces the object with
    the same id (property blocks merge by name), other objects are kept.
    ``agent_exists(spec)`` says whether an agent (``ocf:linbit:drbd``) is
    installed; absent agents with a stand-in in ``migrate.AGENT_SUBSTITUTIONS``
    are substituted (none without the predicate). ``filesystem_supported(type)``
    says whether a filesystem type (``ext4``) can be used here; parameters in
    ``migrate.PARAMETER_SUBSTITUTIONS`` that need it (``fstype=reiserfs``) are
    substituted only with it. The epoch grows if the configuration changed.
    """
    cib, notices, _ = _load(
        cib,
        text,
        LoadMode(mode),
        file=file,
        agent_exists=agent_exists,
        filesystem_supported=filesystem_supported,
    )
    return cib, notices


def _load(
    cib: Cib,
    text: str,
    mode: LoadMode,
    *,
    file: str | None,
    agent_exists: AgentExists | None,
    filesystem_supported: FilesystemSupported | None,
    expect: int | None = None,
) -> tuple[Cib, list[Notice], list[Statement]]:
    """:func:`load`, and the statements the text defined (after migration).

    ``expect`` (one-shot statements): how many statements the text must hold.
    """
    raws, trailing = lexer.lex(text, file)
    if expect is not None and len(raws) != expect:
        raise ConfigError("expected exactly one statement", file=file, text=text)
    if mode is LoadMode.UPDATE:
        added = _add(cib, raws, file, agent_exists, filesystem_supported, expect)
        if added is not None:
            new, notices, statements = added
            return new, notices + _trailing(trailing, file), statements
    base_ids: dict[tuple[str, str], list[str]] = {}
    if mode is LoadMode.REPLACE:
        base_entries: list[Statement] = []
        statements = parse_raw(raws)
    else:
        base_entries = flatten(cib.configuration)
        base_ids = {key_of(e): claimed_ids(e) for e in base_entries}
        # The ids made up for the text avoid those of every object that stays;
        # which objects the text redefines is guessed from its words, and the
        # text is parsed again only if the parse shows the guess was wrong.
        guess = _redefined(base_entries, *_guessed(raws))
        statements = parse_raw(raws, taken_ids=_taken(base_ids, guess))
        actual = _redefined(base_entries, *_defined(statements))
        if actual != guess:
            statements = parse_raw(raws, taken_ids=_taken(base_ids, actual))
    if expect is not None and len(statements) != expect:
        raise ConfigError("expected exactly one statement", file=file, text=text)
    ids = _allocator(statements, base_ids.values())
    redirected: list[Notice] = []
    base_entries = _redirect_constraints(base_entries, statements, redirected)
    config = assemble(merge(base_entries, statements), ids)
    migration = modernize(
        config,
        ids,
        agent_exists,
        filesystem_supported=filesystem_supported,
        scope=None if mode is LoadMode.REPLACE else Scope.of(statements),
        origins=Origins.of(statements, file),
    )
    notices = migration.in_text_order(statements) + _trailing(trailing, file) + redirected
    return with_config(cib, migration.config), notices, statements


def _redirect_constraints(
    base: list[Statement], statements: list[Statement], notices: list[Notice]
) -> list[Statement]:
    """A new group or clone takes over the constraints that named its members,
    as crmsh does (``modified location:l1 from p3 to g``); one that would then
    tie the new resource to itself is deleted, with a notice."""
    grown = [s for s in statements if isinstance(s.definition, GroupDef | CloneDef)]
    if not grown or not base:
        return base
    keys = {key_of(e) for e in base}
    out: list[Statement | None] = list(base)
    for parent in grown:
        definition = parent.definition
        assert isinstance(definition, GroupDef | CloneDef)
        if key_of(parent) in keys:
            continue  # a group redefined: its constraints are as the user wrote them
        members = definition.children if isinstance(definition, GroupDef) else (definition.child,)
        for member in members:
            for index, entry in enumerate(out):
                if entry is not None and isinstance(entry.definition, _CONSTRAINTS):
                    out[index] = _redirect(entry, member, parent, notices)
    return [entry for entry in out if entry is not None]


_CONSTRAINTS = Location | Colocation | Order | Ticket


def _redirect(
    entry: Statement, member: str, parent: Statement, notices: list[Notice]
) -> Statement | None:
    """``entry`` naming ``parent`` where it named ``member``; None if it then ties
    ``parent`` to itself."""
    changed = follow(entry.definition, member, parent.id)
    if changed is None:
        return entry
    what = f"{entry.kind}:{entry.id}"
    where = (parent.where.file, parent.where.line)
    if _ties_to_itself(changed):
        why = f"{member} is now in {parent.kind} {parent.id}, which it would tie to itself"
        notices.append(Notice(NoticeKind.DELETED, f"{what} deleted", why, *where))
        return None
    why = f"{member} is now in {parent.kind} {parent.id} (as crmsh does)"
    notices.append(
        Notice(NoticeKind.UPDATED, f"modified {what} from {member} to {parent.id}", why, *where)
    )
    return replace(entry, definition=_unique_sets(changed))


def _unique_sets(constraint: Definition) -> Definition:
    """Each resource once per set (two members of one set are now one group)."""
    if not isinstance(constraint, _CONSTRAINTS):
        return constraint
    sets = tuple(
        replace(item, resources=tuple(dict.fromkeys(item.resources)))
        if isinstance(item, ResourceSet)
        else item
        for item in constraint.resource_sets
    )
    return (
        replace(constraint, resource_sets=sets) if sets != constraint.resource_sets else constraint
    )


def _ties_to_itself(constraint: Definition) -> bool:
    if isinstance(constraint, Colocation):
        return constraint.rsc is not None and constraint.rsc == constraint.with_rsc
    if isinstance(constraint, Order):
        return constraint.first is not None and constraint.first == constraint.then
    return False


_ID_FIRST = frozenset(
    {"group", "clone", "ms", "master", "location", "colocation", "collocation", "order"}
    | {"rsc_ticket", "primitive", "rsc_template", "tag", "bundle", "alert"}
)
"""Statements whose second word is the id they define (``node`` and the
property blocks have ``$id=``, ``ID:`` or a name there)."""


def _add(
    cib: Cib,
    raws: list[lexer.Statement],
    file: str | None,
    agent_exists: AgentExists | None,
    filesystem_supported: FilesystemSupported | None,
    expect: int | None,
) -> tuple[Cib, list[Notice], list[Statement]] | None:
    """:func:`_load` in update mode of text that only adds objects, without
    rebuilding the configuration (``incremental``); None: take the general path."""
    facts = incremental.take(cib.configuration)
    # the id is the word after the keyword; what follows it names other objects
    keys, unames = _guessed(
        [
            replace(raw, tokens=raw.tokens[:2]) if raw.tokens[0].text.lower() in _ID_FIRST else raw
            for raw in raws
        ]
    )
    if not keys.isdisjoint(facts.keys) or not unames.isdisjoint(facts.unames):
        return None  # it probably redefines objects
    try:
        statements = parse_raw(raws, ids=IdAllocator(base=facts.taken))
    except ConfigError:
        return None  # the general path says what is wrong (or that it was no error)
    keys, unames = _defined(statements)
    if not keys.isdisjoint(facts.keys) or not unames.isdisjoint(facts.unames):
        return None  # it redefines objects
    if expect is not None and len(statements) != expect:
        return None
    ids = IdAllocator((i for s in statements for i in ids_of(s)[1:]), base=facts.taken)
    config = incremental.extend(cib.configuration, facts, statements)
    if config is None:
        return None
    migration = modernize(
        config,
        ids,
        agent_exists,
        filesystem_supported=filesystem_supported,
        scope=Scope.of(statements),
        origins=Origins.of(statements, file),
    )
    if migration.config is config:
        incremental.remember(config, facts)  # a migration's new ids would spoil the facts
    return with_config(cib, migration.config), migration.in_text_order(statements), statements


def _trailing(trailing: tuple[int, ...], file: str | None) -> list[Notice]:
    if not trailing:
        return []
    return [
        Notice(
            NoticeKind.DROPPED,
            f"{len(trailing)} comment line(s) after the last statement not stored",
            "a comment is kept with the statement that follows it",
            file,
            trailing[0],
        )
    ]


def edit_objects(
    cib: Cib,
    ids: Iterable[str],
    text: str,
    *,
    file: str | None = None,
    agent_exists: AgentExists | None = None,
    filesystem_supported: FilesystemSupported | None = None,
) -> tuple[Cib, list[Notice]]:
    """``edit ID...``: the objects ``ids`` become the statements of ``text``.

    An object the text still defines is replaced where it is, so the group or
    clone holding it and the constraints naming it stay as they were (as in
    crmsh); only an object the text no longer defines is deleted, with
    crmsh's cascade (see :func:`paceline.crm.delete`). Objects the text adds
    are added. An edit changes what the text changed, nothing else.
    """
    wanted = list(dict.fromkeys(ids))
    new, notices, statements = _load(
        cib,
        text,
        LoadMode.UPDATE,
        file=file,
        agent_exists=agent_exists,
        filesystem_supported=filesystem_supported,
    )
    defined = {s.id for s in statements}
    defined |= {s.definition.uname for s in statements if isinstance(s.definition, Node)}
    gone = [ident for ident in wanted if ident not in defined]
    if gone:
        new, deleted = delete(new, gone, cascade=True)
        notices.extend(deleted)
    return new, notices


def load_cib(
    cib: Cib,
    loaded: Cib,
    mode: LoadMode | str = LoadMode.REPLACE,
    *,
    file: str | None = None,
    agent_exists: AgentExists | None = None,
    filesystem_supported: FilesystemSupported | None = None,
) -> tuple[Cib, list[Notice]]:
    """Load the configuration of a CIB read from XML (``loaded``) into ``cib``.

    The same migrations and substitutions as for crm text apply, so that a
    CIB brought from a Pacemaker cluster and the crm text of the same
    configuration load alike; what the codec changed when it read an older
    schema (``loaded.upgrade_notes``) is reported too. XML keeps no line
    numbers in the model, so the notices name the file only. Modes as for
    :func:`load`.
    """
    mode = LoadMode(mode)
    notices = [
        Notice(NoticeKind.MODERNIZED, note, "the file uses an older CIB schema", file)
        for note in loaded.upgrade_notes
    ]
    if mode is LoadMode.REPLACE:
        # the migrations run on the model as decoded; what they do not change
        # stays exactly as the file has it (ids included)
        migration = modernize(
            loaded.configuration,
            None,
            agent_exists,
            filesystem_supported=filesystem_supported,
            origins=Origins(file),
        )
        return with_config(cib, migration.config), notices + migration.notices()
    # objects with the same id replace those of ``cib`` (a flat, per-object merge)
    base_entries = flatten(cib.configuration)
    entries = flatten(loaded.configuration)
    ids = _allocator(entries, (ids_of(e) for e in base_entries))
    migration = modernize(
        loaded.configuration,
        ids,
        agent_exists,
        filesystem_supported=filesystem_supported,
        origins=Origins(file),
    )
    notices.extend(migration.notices())
    if migration.config is not loaded.configuration:
        entries = flatten(migration.config)
    where = Where(file)
    config = assemble(merge(base_entries, [replace(s, where=where) for s in entries]), ids)
    return with_config(cib, config), notices


def apply_statement(
    cib: Cib,
    statement_text: str,
    *,
    file: str | None = None,
    agent_exists: AgentExists | None = None,
    filesystem_supported: FilesystemSupported | None = None,
) -> tuple[Cib, list[Notice]]:
    """One-shot edit: ``primitive vip ocf:heartbeat:IPaddr2 params ip=198.18.0.64``.

    The statement is loaded in update mode: it adds the object, or replaces
    the object with the same id (a property statement adds or changes the
    named properties only).
    """
    cib, notices, _ = _load(
        cib,
        statement_text,
        LoadMode.UPDATE,
        file=file,
        agent_exists=agent_exists,
        filesystem_supported=filesystem_supported,
        expect=1,
    )
    return cib, notices


def show(
    cib: Cib, ids: Iterable[str] | None = None, *, obscure: Iterable[str] = DEFAULT_OBSCURE
) -> str:
    """The configuration as crm text, as ``crm configure show`` prints it.

    ``ids`` limits it to these objects; values of parameters whose names
    match a glob of ``obscure`` are shown as ``******`` (pass ``()`` to save
    text that must load back).
    """
    wanted = None if ids is None else list(ids)
    if wanted is not None:
        known = {entry.id for entry in flatten(cib.configuration)}
        missing = [ident for ident in wanted if ident not in known]
        if missing:
            raise ConfigError(f"no such object: {', '.join(missing)}", text=missing[0])
    return format_configuration(cib.configuration, wanted, obscure=tuple(obscure))


def show_objects(cib: Cib, *, obscure: Iterable[str] = DEFAULT_OBSCURE) -> list[tuple[str, str]]:
    """``(id, statement text)`` for every object, in ``show`` order: one pass for
    callers that need each object's text (an editor diffing what changed)."""
    return format_objects(cib.configuration, obscure=tuple(obscure))
