"""Ids: duplicates, and references (from constraints, primitives and tags) to ids
that do not exist or that a constraint cannot name."""

from __future__ import annotations

from collections.abc import Iterator

from paceline.cib.model import (
    Colocation,
    Configuration,
    Constraint,
    Location,
    Order,
    Primitive,
    ResourceSetItem,
    ResourceSetRef,
    walk_resources,
)
from paceline.crm.verify.findings import Finding, Severity
from paceline.crm.verify.index import Index


def _set_refs(items: tuple[ResourceSetItem, ...]) -> Iterator[tuple[str, str]]:
    """(attribute, id) for every reference a constraint's resource sets make."""
    for item in items:
        if isinstance(item, ResourceSetRef):
            yield "resource_set id-ref", item.id_ref
        else:
            for rsc in item.resources:
                yield "resource_ref id", rsc


def _constraint_refs(constraint: Constraint) -> Iterator[tuple[str, str]]:
    """(XML attribute, referenced id) of every resource reference of a constraint."""
    if isinstance(constraint, Location):
        pairs = [("rsc", constraint.rsc)]
    elif isinstance(constraint, Colocation):
        pairs = [("rsc", constraint.rsc), ("with-rsc", constraint.with_rsc)]
    elif isinstance(constraint, Order):
        pairs = [("first", constraint.first), ("then", constraint.then)]
    else:
        pairs = [("rsc", constraint.rsc)]
    for attribute, ident in pairs:
        if ident is not None:
            yield attribute, ident
    yield from _set_refs(constraint.resource_sets)


def check_ids(config: Configuration, index: Index) -> Iterator[Finding]:
    for ident in index.duplicate_ids:
        yield Finding(
            Severity.ERROR,
            f"ID {ident} redefined",
            ident,
            "duplicate-id",
            "every id in the configuration must be unique",
        )


def check_references(config: Configuration, index: Index) -> Iterator[Finding]:
    for constraint in config.constraints:
        for attribute, ident in _constraint_refs(constraint):
            if attribute == "resource_set id-ref":
                if ident not in index.resource_sets:
                    yield _unknown_id(constraint.id, attribute, ident)
            elif ident not in index.all_ids:
                yield _unknown_id(constraint.id, attribute, ident)
            elif not index.is_constrainable(ident):
                what = (
                    "resource sets for constraint" if "resource_ref" in attribute else "constraint"
                )
                yield Finding(
                    Severity.ERROR,
                    f"Ignoring {what} '{constraint.id}' because '{ident}' "
                    "is not a valid resource or tag",
                    constraint.id,
                    "dangling-reference",
                    "constrain the clone (or group) that contains it"
                    if ident in index.resources
                    else "name a resource, a tag, or a template some primitive derives from",
                    refers_to=ident,
                )
    templates = {t.id for t in config.templates}
    for rsc, _parent in walk_resources(config.resources):
        if (
            isinstance(rsc, Primitive)
            and rsc.template is not None
            and rsc.template not in templates
        ):
            yield _unknown_id(rsc.id, "template", rsc.template, element="primitive")
    for tag in config.tags:
        for ref in tag.refs:
            if ref not in index.all_ids:
                yield _unknown_id(tag.id, "obj_ref id", ref, element="tag")


def _unknown_id(owner: str, attribute: str, ident: str, *, element: str = "constraint") -> Finding:
    return Finding(
        Severity.ERROR,
        f"{element} '{owner}': IDREF attribute {attribute} references an unknown ID \"{ident}\"",
        owner,
        "dangling-reference",
        f"define '{ident}' or remove the reference",
        refers_to=ident,
    )
