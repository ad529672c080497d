"""Apply the tables of ``paceline.crm.migrate`` to a configuration (the model).

Both loads run the same migrations on the same objects: crm text once its
statements are assembled into a ``Configuration``, CIB XML as the codec
decoded it. So a legacy configuration gives the same notices, worded the
same, and the same model, whichever form it came in.

``modernize(config, ids, agent_exists, filesystem_supported=, scope=, origins=)``
returns a :class:`Migration`: the configuration as it will be stored and one
``Notice`` per change:

- ``meta target-role=Master|Slave`` written ``Promoted|Unpromoted``;
- ``ms`` (``<master>``) written ``clone ... meta promotable=true``, its
  ``master-max``/``master-node-max`` as ``promoted-max``/``promoted-node-max``;
- an absent resource agent replaced by its stand-in, a resource parameter
  that cannot hold here (``fstype=reiserfs``) by its stand-in;
- a deprecated cluster property moved to ``rsc_defaults``/``op_defaults``,
  renamed or dropped.

``scope`` limits the migration to the objects an edit defines (a one-shot
statement migrates what it added, not the whole CIB again: the cost is that of
the edit, found from the end where additions are); ``origins`` says where each
object was written, for the notices (crm text knows lines, XML the file).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import TypeVar

from paceline.cib.model import (
    AgentClass,
    Bundle,
    Clone,
    Configuration,
    Group,
    NvPair,
    NvPairRef,
    NvSet,
    NvSetItem,
    Primitive,
    Resource,
    Template,
)
from paceline.cib.upgrade import Fate
from paceline.cib.walk import all_ids
from paceline.core.errors import Location as Where
from paceline.crm.ids import IdAllocator
from paceline.crm.migrate import (
    ROLE_RENAMES,
    AgentExists,
    FilesystemSupported,
    Notice,
    NoticeKind,
    ParameterSubstitution,
    find_parameter_substitution,
    find_property_migration,
    find_substitution,
)
from paceline.crm.parser import DEFAULT_SET_IDS
from paceline.crm.statements import (
    BundleDef,
    CloneDef,
    GroupDef,
    PropertiesDef,
    Section,
    Statement,
    StatementKind,
)

__all__ = ["Key", "Migration", "Origins", "Scope", "agent_spec", "modernize"]

Key = tuple[str, str]
"""An object's identity in the flat view (``paceline.crm.build.key_of``):
``("object", id)`` for resources and templates, ``(section, id)`` for a block."""

_SECTION_FIELDS = {
    Section.CRM_CONFIG: "crm_config",
    Section.RSC_DEFAULTS: "rsc_defaults",
    Section.OP_DEFAULTS: "op_defaults",
}
_SECTION_KEYS = {
    Section.CRM_CONFIG: StatementKind.PROPERTY.value,
    Section.RSC_DEFAULTS: StatementKind.RSC_DEFAULTS.value,
    Section.OP_DEFAULTS: StatementKind.OP_DEFAULTS.value,
}
_TARGETS = {Fate.RSC_DEFAULTS: Section.RSC_DEFAULTS, Fate.OP_DEFAULTS: Section.OP_DEFAULTS}
_PROMOTED_NAMES = {"master-max": "promoted-max", "master-node-max": "promoted-node-max"}
_RESOURCE_DEFS = Primitive | GroupDef | CloneDef | BundleDef
_R = TypeVar("_R", bound=Primitive | Template | Group | Clone)


def agent_spec(rsc: Primitive | Template) -> str | None:
    """``class:provider:type`` (``class:type`` without provider); None for a template user."""
    if rsc.agent_class is None or rsc.agent_type is None:
        return None
    if rsc.provider is None:
        return f"{rsc.agent_class.value}:{rsc.agent_type}"
    return f"{rsc.agent_class.value}:{rsc.provider}:{rsc.agent_type}"


@dataclass(frozen=True, slots=True)
class Scope:
    """The objects an edit defined: only these are migrated."""

    resources: frozenset[str] = frozenset()
    templates: frozenset[str] = frozenset()
    blocks: frozenset[Key] = frozenset()

    @classmethod
    def of(cls, statements: Iterable[Statement]) -> Scope:
        resources: set[str] = set()
        templates: set[str] = set()
        blocks: set[Key] = set()
        for s in statements:
            if isinstance(s.definition, _RESOURCE_DEFS):
                resources.add(s.id)
            elif isinstance(s.definition, Template):
                templates.add(s.id)
            elif isinstance(s.definition, PropertiesDef):
                blocks.add((_SECTION_KEYS[s.definition.section], s.id))
        return cls(frozenset(resources), frozenset(templates), frozenset(blocks))


@dataclass(frozen=True, slots=True)
class Origins:
    """Where objects were written: ``objects`` by key, and the line of each
    ``name=value`` a statement wrote on a line of its own; the file alone for
    what is not listed (XML keeps no lines in the model)."""

    file: str | None = None
    objects: dict[Key, Where] = field(default_factory=dict)
    pairs: dict[Key, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def of(cls, statements: Iterable[Statement], file: str | None = None) -> Origins:
        objects: dict[Key, Where] = {}
        pairs: dict[Key, dict[str, int]] = {}
        for s in statements:
            key = _key(s)
            if key is None:
                continue
            objects.setdefault(key, s.where)
            if s.pair_lines:
                pairs.setdefault(key, {}).update(
                    (name, line) for name, line in reversed(s.pair_lines)
                )
        return cls(file, objects, pairs)

    def at(self, key: Key, name: str | None = None) -> tuple[str | None, int | None]:
        where = self.objects.get(key)
        if where is None:
            return self.file, None
        if name is not None:
            line = self.pairs.get(key, {}).get(name)
            if line is not None:
                return where.file, line
        return where.file, where.line


def _key(statement: Statement) -> Key | None:
    """The key of what a statement defines, if migrations apply to it."""
    definition = statement.definition
    if isinstance(definition, PropertiesDef):
        return _SECTION_KEYS[definition.section], statement.id
    if isinstance(definition, _RESOURCE_DEFS | Template):
        return "object", statement.id
    return None


@dataclass(slots=True)
class Migration:
    """What :func:`modernize` did: the new configuration and the notices, per object."""

    config: Configuration
    by_key: dict[Key, list[Notice]]
    """Notices of each object, objects in the order of a CIB document."""
    tail: list[Notice]
    """Notices about the whole (a moved value the target sets itself)."""

    def take(self, key: Key) -> list[Notice]:
        """The notices of one object, once."""
        return self.by_key.pop(key, [])

    def notices(self) -> list[Notice]:
        """Every notice not taken yet, in document order, then the tail."""
        out = [n for found in self.by_key.values() for n in found]
        return out + self.tail

    def in_text_order(self, statements: Iterable[Statement]) -> list[Notice]:
        """The notices in the order of the text: each statement's own (from the
        parse), then those of the object it defines; then the rest."""
        out: list[Notice] = []
        for statement in statements:
            out.extend(statement.notices)
            key = _key(statement)
            if key is not None:
                out.extend(self.take(key))
        return out + self.notices()


def modernize(
    config: Configuration,
    ids: IdAllocator | None,
    agent_exists: AgentExists | None,
    *,
    filesystem_supported: FilesystemSupported | None = None,
    scope: Scope | None = None,
    origins: Origins | None = None,
) -> Migration:
    """``config`` with the migration tables applied to the objects of ``scope``
    (None: every object), and what was done.

    The predicates are the caller's knowledge of this host; a substitution whose
    predicate is None is never made. ``ids`` hands out the ids of new elements
    (None: made from the configuration when first needed). Unchanged objects
    stay the same objects; nothing changed: ``config`` itself."""
    run = _Run(config, ids, agent_exists, filesystem_supported, scope, origins or Origins())
    return run.go()


class _Run:
    def __init__(
        self,
        config: Configuration,
        ids: IdAllocator | None,
        agent_exists: AgentExists | None,
        filesystem_supported: FilesystemSupported | None,
        scope: Scope | None,
        origins: Origins,
    ) -> None:
        self.config = config
        self._ids = ids
        self.agent_exists = agent_exists
        self.filesystem_supported = filesystem_supported
        self.scope = scope
        self.origins = origins
        self.by_key: dict[Key, list[Notice]] = {}
        self.tail: list[Notice] = []
        self.moved: dict[Section, list[tuple[str, str | None, Key, str]]] = {}

    # -- bookkeeping -----------------------------------------------------
    @property
    def ids(self) -> IdAllocator:
        if self._ids is None:
            self._ids = IdAllocator(all_ids(self.config))
        return self._ids

    def note(self, key: Key, kind: NoticeKind, what: str, why: str, name: str | None) -> None:
        self.by_key.setdefault(key, []).append(Notice(kind, what, why, *self.origins.at(key, name)))

    def wanted(self, key: Key) -> bool:
        if self.scope is None:
            return True
        if key[0] == "object":
            return key[1] in self.scope.resources or key[1] in self.scope.templates
        return key in self.scope.blocks

    # -- the walk ----------------------------------------------------------
    def go(self) -> Migration:
        # in the order of a CIB document: crm_config, resources, rsc_defaults
        changes: dict[str, object] = {}
        found = {
            "crm_config": self._blocks(Section.CRM_CONFIG),
            "templates": self._templates(),
            "resources": self._resources(),
            "rsc_defaults": self._blocks(Section.RSC_DEFAULTS),
        }
        changes = {name: value for name, value in found.items() if value is not None}
        config = replace(self.config, **changes) if changes else self.config  # type: ignore[arg-type]
        for section, pairs in self.moved.items():
            config = self._add_defaults(config, section, pairs)
        return Migration(config, self.by_key, self.tail)

    def _templates(self) -> tuple[Template, ...] | None:
        if self.scope is not None and not self.scope.templates:
            return None
        out = list(self.config.templates)
        changed = False
        for index, template in enumerate(out):
            if self.wanted(("object", template.id)):
                new = self._agent_user(template, StatementKind.RSC_TEMPLATE.value)
                if new is not template:
                    assert isinstance(new, Template)
                    out[index] = new
                    changed = True
        return tuple(out) if changed else None

    def _resources(self) -> tuple[Resource, ...] | None:
        """Top-level resources with those in scope migrated. With a scope, the
        resources holding it are looked for from the end (where an edit adds),
        stopping once every one is found."""
        out = list(self.config.resources)
        if self.scope is None:
            indices: Iterable[int] = range(len(out))
        else:
            if not self.scope.resources:
                return None
            remaining = set(self.scope.resources)
            picked: list[int] = []
            for index in range(len(out) - 1, -1, -1):
                held = set(_resource_ids(out[index]))
                if not held.isdisjoint(remaining):
                    picked.append(index)
                    remaining -= held
                    if not remaining:
                        break
            indices = reversed(picked)
        changed = False
        for index in indices:
            new = self._resource(out[index])
            if new is not out[index]:
                out[index] = new
                changed = True
        return tuple(out) if changed else None

    def _resource(self, rsc: Resource) -> Resource:
        if isinstance(rsc, Primitive):
            if not self.wanted(("object", rsc.id)):
                return rsc
            new = self._agent_user(rsc, StatementKind.PRIMITIVE.value)
            assert isinstance(new, Primitive)
            return new
        if isinstance(rsc, Group):
            group = rsc
            if self.wanted(("object", rsc.id)):
                group = self._target_roles(group, StatementKind.GROUP.value)
            children = tuple(self._resource(child) for child in group.children)
            if any(a is not b for a, b in zip(children, group.children, strict=True)):
                group = replace(group, children=children)  # type: ignore[arg-type]
            return group
        if isinstance(rsc, Clone):
            clone = rsc
            if self.wanted(("object", rsc.id)):
                kind = StatementKind.MS if rsc.legacy_master else StatementKind.CLONE
                clone = self._target_roles(clone, kind.value)
                clone = self._promotable(clone)
            child = self._resource(clone.child)
            if child is not clone.child:
                clone = replace(clone, child=child)  # type: ignore[arg-type]
            return clone
        assert isinstance(rsc, Bundle)
        if rsc.primitive is None:
            return rsc
        bundled = self._resource(rsc.primitive)
        return rsc if bundled is rsc.primitive else replace(rsc, primitive=bundled)  # type: ignore[arg-type]

    def _blocks(self, section: Section) -> tuple[NvSetItem, ...] | None:
        kind = _SECTION_KEYS[section]
        blocks: tuple[NvSetItem, ...] = getattr(self.config, _SECTION_FIELDS[section])
        if self.scope is not None and not any(k[0] == kind for k in self.scope.blocks):
            return None
        out = list(blocks)
        changed = False
        for index, block in enumerate(out):
            if not isinstance(block, NvSet) or not self.wanted((kind, block.id)):
                continue
            new: NvSetItem
            if section is Section.CRM_CONFIG:
                new = self._properties((kind, block.id), block)
            else:
                new, found = _modern_role(block)
                self._roles_said((kind, block.id), kind, block.id, found)
            if new is not block:
                out[index] = new
                changed = True
        return tuple(out) if changed else None

    # -- the migrations ------------------------------------------------------
    def _agent_user(self, rsc: Primitive | Template, kind: str) -> Primitive | Template:
        rsc = self._target_roles(rsc, kind)
        spec = agent_spec(rsc)
        if spec is None:
            return rsc
        rsc = self._substitute(rsc, kind, spec)
        return self._substitute_parameters(rsc, kind, spec)

    def _target_roles(self, rsc: _R, kind: str) -> _R:
        """``meta target-role=Master`` is written ``Promoted`` (``Slave``: ``Unpromoted``)."""
        changed: list[tuple[str, str]] = []
        blocks: list[NvSetItem] = []
        for block in rsc.meta_attributes:
            block, found = _modern_role(block)
            blocks.append(block)
            changed += found
        self._roles_said(("object", rsc.id), kind, rsc.id, changed)
        return replace(rsc, meta_attributes=tuple(blocks)) if changed else rsc

    def _roles_said(self, key: Key, kind: str, ident: str, changed: list[tuple[str, str]]) -> None:
        for old, new in changed:
            self.note(
                key,
                NoticeKind.MODERNIZED,
                f"{kind} {ident}: target-role={old} written as {new}",
                "Pacemaker 2.1 renamed the roles Master/Slave to Promoted/Unpromoted",
                "target-role",
            )

    def _promotable(self, clone: Clone) -> Clone:
        """``ms ID CHILD`` (``<master>``) is written ``clone ID CHILD meta
        promotable=true``, and its ``master-max``/``master-node-max`` as
        ``promoted-max``/``promoted-node-max``: what the role rename (Master to
        Promoted) implies, so that verify does not call the migrated
        configuration deprecated."""
        if not clone.legacy_master:
            return clone
        key: Key = ("object", clone.id)
        blocks = list(clone.meta_attributes)
        first = next(
            (i for i, b in enumerate(blocks) if isinstance(b, NvSet) and b.rule is None), None
        )
        if first is None:
            blocks.insert(0, NvSet(self.ids.child(clone.id, "meta_attributes")))
            first = 0
        self.note(
            key,
            NoticeKind.MODERNIZED,
            f"ms {clone.id}: written as clone {clone.id} meta promotable=true",
            "Pacemaker 2.0 made <master> a clone with promotable=true; 3.0 removes <master>",
            None,
        )
        for index, block in enumerate(blocks):
            if isinstance(block, NvSet):
                blocks[index] = self._promoted_names(key, clone.id, block)
        block = blocks[first]
        assert isinstance(block, NvSet)
        if block.get("promotable") is None:
            promotable = NvPair(self.ids.child(block.id, "promotable"), "promotable", "true")
            blocks[first] = replace(block, nvpairs=(promotable, *block.nvpairs))
        return replace(clone, meta_attributes=tuple(blocks), legacy_master=False)

    def _promoted_names(self, key: Key, ident: str, block: NvSet) -> NvSet:
        present = {p.name for p in block.nvpairs if isinstance(p, NvPair)}
        pairs: list[NvPair | NvPairRef] = []
        for pair in block.nvpairs:
            if not isinstance(pair, NvPair) or pair.name not in _PROMOTED_NAMES:
                pairs.append(pair)
                continue
            new_name = _PROMOTED_NAMES[pair.name]
            if new_name in present:
                self.note(
                    key,
                    NoticeKind.DROPPED,
                    f"ms {ident}: {_written(pair)} not stored",
                    f"{new_name}, its modern name, is set too",
                    pair.name,
                )
                continue
            new_pair = NvPair(self.ids.child(block.id, new_name), new_name, pair.value)
            pairs.append(new_pair)
            self.note(
                key,
                NoticeKind.MODERNIZED,
                f"ms {ident}: {_written(pair)} written as {_written(new_pair)}",
                "Pacemaker 2.1 renamed master-max/master-node-max to "
                "promoted-max/promoted-node-max; 3.0 drops the old names",
                pair.name,
            )
        return replace(block, nvpairs=tuple(pairs))

    def _substitute(self, rsc: Primitive | Template, kind: str, spec: str) -> Primitive | Template:
        entry = find_substitution(spec, self.agent_exists)
        if entry is None:
            return rsc
        parts = entry.replacement.split(":")
        provider = parts[1] if len(parts) == 3 else None
        self.note(
            ("object", rsc.id),
            NoticeKind.SUBSTITUTED,
            f"{kind} {rsc.id}: agent {spec} replaced by {entry.replacement}",
            entry.why,
            None,
        )
        return replace(
            rsc, agent_class=AgentClass(parts[0]), provider=provider, agent_type=parts[-1]
        )

    def _substitute_parameters(
        self, rsc: Primitive | Template, kind: str, spec: str
    ) -> Primitive | Template:
        """``PARAMETER_SUBSTITUTIONS`` applied to the resource's instance
        attributes; ``spec`` is its agent as the configuration named it."""
        blocks: list[NvSetItem] = []
        changed = False
        for block in rsc.instance_attributes:
            if isinstance(block, NvSet):
                new_block = self._substitute_block(rsc.id, kind, spec, block)
                changed = changed or new_block is not block
                block = new_block
            blocks.append(block)
        return replace(rsc, instance_attributes=tuple(blocks)) if changed else rsc

    def _substitute_block(self, ident: str, kind: str, spec: str, block: NvSet) -> NvSet:
        present = {p.name for p in block.nvpairs if isinstance(p, NvPair)}
        pairs: list[NvPair | NvPairRef] = []
        changed = False
        for pair in block.nvpairs:
            entry = (
                None
                if isinstance(pair, NvPairRef)
                else find_parameter_substitution(
                    spec, pair.name, pair.value, filesystem_supported=self.filesystem_supported
                )
            )
            if entry is None or isinstance(pair, NvPairRef):
                pairs.append(pair)
                continue
            new_name = entry.new_name if entry.new_name is not None else pair.name
            if new_name != pair.name and new_name in present:
                # the configuration sets the stand-in itself: it wins, this pair stays
                pairs.append(pair)
                continue
            new_value = entry.new_value if entry.new_value is not None else pair.value
            if new_name == pair.name:
                new_pair = replace(pair, value=new_value)
            else:
                new_pair = NvPair(self.ids.child(block.id, new_name), new_name, new_value)
                present.add(new_name)
            pairs.append(new_pair)
            changed = True
            self.note(
                ("object", ident),
                NoticeKind.SUBSTITUTED,
                f"{kind} {ident}: {_replaced(entry, pair, new_pair)}",
                entry.why,
                pair.name,
            )
        return replace(block, nvpairs=tuple(pairs)) if changed else block

    def _properties(self, key: Key, block: NvSet) -> NvSet:
        kept: list[NvPair | NvPairRef] = []
        for pair in block.nvpairs:
            entry = (
                None
                if isinstance(pair, NvPairRef)
                else find_property_migration(pair.name, pair.value)
            )
            if entry is None or isinstance(pair, NvPairRef):
                kept.append(pair)
                continue
            written = _written(pair)
            value = entry.new_value if entry.new_value is not None else pair.value
            if entry.fate is Fate.DROP:
                self.note(
                    key, NoticeKind.DROPPED, f"property {written} not stored", entry.why, pair.name
                )
            elif entry.fate is Fate.RENAME:
                new_name = entry.new or pair.name
                kept.append(NvPair(self.ids.child(block.id, new_name), new_name, value))
                self.note(
                    key,
                    NoticeKind.RENAMED,
                    f"property {written} stored as {new_name}={value}",
                    entry.why,
                    pair.name,
                )
            else:
                section = _TARGETS[entry.fate]  # cluster properties only rename, move or drop
                new_name = entry.new or pair.name
                self.moved.setdefault(section, []).append((new_name, value, key, pair.name))
                self.note(
                    key,
                    NoticeKind.MOVED,
                    f"property {written} moved to {section.value} {new_name}={value}",
                    entry.why,
                    pair.name,
                )
        if len(kept) == len(block.nvpairs):
            return block
        return replace(block, nvpairs=tuple(kept))

    def _add_defaults(
        self, config: Configuration, section: Section, pairs: list[tuple[str, str | None, Key, str]]
    ) -> Configuration:
        """Put moved properties in the section's first block (made if there is
        none); a value the migrated objects set there themselves wins, one set
        before (an edit's base) is replaced."""
        name_of_field = _SECTION_FIELDS[section]
        blocks = list(getattr(config, name_of_field))
        index = next((i for i, b in enumerate(blocks) if isinstance(b, NvSet)), None)
        if index is None:
            set_id = DEFAULT_SET_IDS[section]
            self.ids.claim(set_id)
            blocks.insert(0, NvSet(set_id))
            index = 0
        block = blocks[index]
        assert isinstance(block, NvSet)
        ours = self.wanted((_SECTION_KEYS[section], block.id))
        present = {p.name for p in block.nvpairs if isinstance(p, NvPair)} if ours else set()
        replaced: set[str] = set()
        added: list[NvPair | NvPairRef] = []
        for name, value, origin, old_name in pairs:
            if name in present:
                self.tail.append(
                    Notice(
                        NoticeKind.DROPPED,
                        f"moved {name}={value} not applied",
                        f"{section.value} {block.id} sets {name} itself",
                        *self.origins.at(origin, old_name),
                    )
                )
                continue
            present.add(name)
            replaced.add(name)
            added.append(NvPair(self.ids.child(block.id, name), name, value))
        kept = tuple(p for p in block.nvpairs if not (isinstance(p, NvPair) and p.name in replaced))
        blocks[index] = replace(block, nvpairs=kept + tuple(added))
        return replace(config, **{name_of_field: tuple(blocks)})


def _resource_ids(rsc: Resource) -> Iterator[str]:
    yield rsc.id
    if isinstance(rsc, Group):
        for child in rsc.children:
            yield child.id
    elif isinstance(rsc, Clone):
        yield from _resource_ids(rsc.child)
    elif isinstance(rsc, Bundle) and rsc.primitive is not None:
        yield rsc.primitive.id


def _modern_role(block: NvSetItem) -> tuple[NvSetItem, list[tuple[str, str]]]:
    """The block with ``target-role=Master|Slave`` renamed; the (old, new) values."""
    if not isinstance(block, NvSet):
        return block, []
    changed: list[tuple[str, str]] = []
    pairs: list[NvPair | NvPairRef] = []
    for pair in block.nvpairs:
        if isinstance(pair, NvPair) and pair.name == "target-role" and pair.value in ROLE_RENAMES:
            new_value = ROLE_RENAMES[pair.value]
            changed.append((pair.value, new_value))
            pair = replace(pair, value=new_value)
        pairs.append(pair)
    return (replace(block, nvpairs=tuple(pairs)) if changed else block), changed


def _replaced(entry: ParameterSubstitution, old: NvPair, new: NvPair) -> str:
    """``fstype reiserfs replaced by ext4`` (a value); ``a=1 replaced by b=1`` (a name)."""
    if entry.new_name is None or entry.new_name == old.name:
        return f"{old.name} {old.value} replaced by {new.value}"
    return f"parameter {_written(old)} replaced by {_written(new)}"


def _written(pair: NvPair) -> str:
    return pair.name if pair.value is None else f"{pair.name}={pair.value}"
