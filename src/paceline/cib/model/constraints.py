"""Constraints: location, colocation, order and ticket, with resource sets."""

from __future__ import annotations

from dataclasses import dataclass

from paceline.cib.model.enums import Action, Discovery, LossPolicy, OrderKind, Role, SetOrdering
from paceline.cib.model.rules import Rule, RuleRef
from paceline.cib.score import Score


@dataclass(frozen=True, slots=True)
class ResourceSet:
    """``<resource_set>``: ``resources`` are the ``resource_ref`` ids in order."""

    id: str
    resources: tuple[str, ...]
    sequential: bool | None = None
    require_all: bool | None = None
    ordering: SetOrdering | None = None
    action: Action | None = None
    role: Role | None = None
    score: Score | None = None
    kind: OrderKind | None = None


@dataclass(frozen=True, slots=True)
class ResourceSetRef:
    id_ref: str


ResourceSetItem = ResourceSet | ResourceSetRef


@dataclass(frozen=True, slots=True)
class Location:
    """``<rsc_location>``: one of ``rsc``/``rsc_pattern``/``resource_sets``
    names the resources, and either ``score`` + ``node`` or ``rules`` place
    them. ``lifetime`` holds the rules of the deprecated ``<lifetime>``."""

    id: str
    rsc: str | None = None
    rsc_pattern: str | None = None
    resource_sets: tuple[ResourceSetItem, ...] = ()
    role: Role | None = None
    score: Score | None = None
    node: str | None = None
    rules: tuple[Rule | RuleRef, ...] = ()
    lifetime: tuple[Rule | RuleRef, ...] = ()
    resource_discovery: Discovery | None = None
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Colocation:
    """``<rsc_colocation>``: ``rsc`` is placed with ``with_rsc``, or a list of
    sets. ``influence`` is kept as text (the schema allows any; Pacemaker
    reads it as a boolean and falls back to the default if it is not one)."""

    id: str
    score: Score | None = None
    rsc: str | None = None
    with_rsc: str | None = None
    rsc_role: Role | None = None
    with_rsc_role: Role | None = None
    node_attribute: str | None = None
    influence: str | None = None
    resource_sets: tuple[ResourceSetItem, ...] = ()
    lifetime: tuple[Rule | RuleRef, ...] = ()
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Order:
    """``<rsc_order>``: ``first`` then ``then``, or a list of sets.

    ``kind`` is an ``OrderKind``, or the raw text when a CIB that is not
    schema-validated (``validate-with="none"``) names an unknown kind;
    Pacemaker then resets it to Mandatory and reports a configuration error.
    """

    id: str
    first: str | None = None
    then: str | None = None
    first_action: Action | None = None
    then_action: Action | None = None
    kind: OrderKind | str | None = None
    score: Score | None = None
    symmetrical: bool | None = None
    require_all: bool | None = None
    resource_sets: tuple[ResourceSetItem, ...] = ()
    lifetime: tuple[Rule | RuleRef, ...] = ()
    comments: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ticket:
    """``<rsc_ticket>``: resources that depend on a ticket."""

    id: str
    ticket: str
    rsc: str | None = None
    rsc_role: Role | None = None
    loss_policy: LossPolicy | None = None
    resource_sets: tuple[ResourceSetItem, ...] = ()
    comments: tuple[str, ...] = ()


Constraint = Location | Colocation | Order | Ticket
