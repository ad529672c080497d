"""What one crm configure statement means, before it is placed in a CIB.

Most statements map to one model object (``primitive`` to ``Primitive``,
``location`` to ``Location``...). A few cannot be complete on their own and
are kept as definitions that ``paceline.crm.build`` resolves against the
rest of the configuration:

- ``group`` and ``clone``/``ms`` name their children by id (``GroupDef``,
  ``CloneDef``);
- ``property``, ``rsc_defaults`` and ``op_defaults`` add a block to a
  section (``PropertiesDef``);
- ``fencing_topology`` without targets applies to every node (``FencingDef``).

ACL entries (``role``, ``acl_target``, ``acl_group``) and alerts are kept
as the model objects.

The ``#`` comment lines written before a statement belong to what it
defines (``comments`` of the model object or definition; of the block for a
property statement), as crmsh keeps them: in the CIB they are XML comments
inside the object's element.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

from paceline.cib.model import (
    AclEntry,
    Alert,
    BundleNetwork,
    Colocation,
    Container,
    FencingLevel,
    Location,
    Node,
    NvSet,
    NvSetItem,
    Op,
    Order,
    Primitive,
    StorageMapping,
    Tag,
    Template,
    Ticket,
)
from paceline.core.errors import Location as Where
from paceline.crm.migrate import Notice
from paceline.crm.walk import all_ids

__all__ = [
    "BundleDef",
    "CloneDef",
    "Definition",
    "FencingDef",
    "GroupDef",
    "MonitorDef",
    "PropertiesDef",
    "Reference",
    "Section",
    "Statement",
    "StatementKind",
    "Where",
    "comments_of",
    "ids_of",
    "with_comments",
]


class StatementKind(StrEnum):
    """The statement keyword, as ``show`` prints it."""

    NODE = "node"
    PRIMITIVE = "primitive"
    RSC_TEMPLATE = "rsc_template"
    GROUP = "group"
    CLONE = "clone"
    MS = "ms"
    LOCATION = "location"
    COLOCATION = "colocation"
    ORDER = "order"
    RSC_TICKET = "rsc_ticket"
    PROPERTY = "property"
    RSC_DEFAULTS = "rsc_defaults"
    OP_DEFAULTS = "op_defaults"
    FENCING_TOPOLOGY = "fencing_topology"
    TAG = "tag"
    MONITOR = "monitor"  # adds a monitor op to a primitive
    BUNDLE = "bundle"
    ALERT = "alert"
    ROLE = "role"
    ACL_TARGET = "acl_target"
    ACL_GROUP = "acl_group"


class Section(StrEnum):
    """The configuration section an nvpair block statement adds to."""

    CRM_CONFIG = "crm_config"
    RSC_DEFAULTS = "rsc_defaults"
    OP_DEFAULTS = "op_defaults"


@dataclass(frozen=True, slots=True)
class GroupDef:
    id: str
    children: tuple[str, ...]
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CloneDef:
    """``clone`` (or ``ms``/``master`` when ``legacy_master``) of the resource ``child``."""

    id: str
    child: str
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    legacy_master: bool = False
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BundleDef:
    """``bundle``: its container and mappings; ``primitive`` names the bundled primitive."""

    id: str
    container: Container
    description: str | None = None
    meta_attributes: tuple[NvSetItem, ...] = ()
    instance_attributes: tuple[NvSetItem, ...] = ()
    network: BundleNetwork | None = None
    storage: tuple[StorageMapping, ...] | None = None
    primitive: str | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MonitorDef:
    """``monitor <rsc>[:<role>] <interval>[:<timeout>]``: one more op for ``rsc``."""

    rsc: str
    op: Op
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PropertiesDef:
    """One block of ``section`` (``property``, ``rsc_defaults``, ``op_defaults``)."""

    section: Section
    block: NvSetItem


@dataclass(frozen=True, slots=True)
class FencingDef:
    """Fencing levels; ``untargeted`` holds the device lists of the form without
    targets, which apply to every node (index 1, 2, ... in order)."""

    levels: tuple[FencingLevel, ...] = ()
    untargeted: tuple[tuple[str, ...], ...] = ()
    comments: tuple[str, ...] = ()


Definition = (
    Node
    | Primitive
    | Template
    | GroupDef
    | CloneDef
    | BundleDef
    | Location
    | Colocation
    | Order
    | Ticket
    | PropertiesDef
    | FencingDef
    | MonitorDef
    | Tag
    | Alert
    | AclEntry
)


@dataclass(frozen=True, slots=True)
class Reference:
    """An id the statement refers to (``$id-ref=``, ``@ref``), and where."""

    id_ref: str
    what: str
    where: Where


@dataclass(frozen=True, slots=True)
class Statement:
    """One parsed statement: what it defines, where it was written, what was normalized."""

    kind: StatementKind
    id: str
    definition: Definition
    where: Where = field(default_factory=Where)
    comments: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    notices: tuple[Notice, ...] = ()
    pair_lines: tuple[tuple[str, int], ...] = ()
    """The line each ``name=value`` of a property block was written on."""

    def line_of(self, name: str) -> int | None:
        for pair_name, line in self.pair_lines:
            if pair_name == name:
                return line
        return self.where.line


_IDS_CACHE: dict[int, tuple[Definition, tuple[str, ...]]] = {}
_IDS_CACHE_SIZE = 65_536


def ids_of(statement: Statement) -> list[str]:
    """The statement's id and every id inside what it defines."""
    return [statement.id, *_definition_ids(statement.definition)]


def _definition_ids(definition: Definition) -> tuple[str, ...]:
    """``all_ids`` of a definition, remembered by identity: definitions are
    immutable and an edit keeps every object it did not change, so each edit
    walks only what is new (not the whole configuration again)."""
    cached = _IDS_CACHE.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    found = tuple(all_ids(definition))
    if len(_IDS_CACHE) >= _IDS_CACHE_SIZE:
        _IDS_CACHE.clear()
    _IDS_CACHE[id(definition)] = (definition, found)
    return found


def comments_of(definition: Definition) -> tuple[str, ...]:
    """The comments a definition carries (a property statement's: its block's)."""
    if isinstance(definition, PropertiesDef):
        block = definition.block
        return block.comments if isinstance(block, NvSet) else ()
    return definition.comments


def with_comments(definition: Definition, comments: tuple[str, ...]) -> Definition:
    """``definition`` with ``comments`` before those it has. A property block
    given by ``$id-ref`` has no element of its own to hold them: they are dropped."""
    if not comments:
        return definition
    if isinstance(definition, PropertiesDef):
        block = definition.block
        if not isinstance(block, NvSet):
            return definition
        return replace(definition, block=replace(block, comments=comments + block.comments))
    return replace(definition, comments=comments + definition.comments)
