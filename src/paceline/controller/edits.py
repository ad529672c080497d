"""Configuration edits behind the live verbs (pure): ``resource start|stop|move|ban|clear``.

Each function takes a ``Configuration`` and returns the changed one (the
caller commits it through the DC with the version it read, so a concurrent
change is refused). ``move`` and ``ban`` add Pacemaker's
``cli-prefer-RSC`` / ``cli-ban-RSC-on-NODE`` location constraints (with an
optional lifetime as a date rule, as ``crm_resource --lifetime`` does);
``clear`` removes them.
"""

from __future__ import annotations

from dataclasses import replace

from paceline.cib.model import (
    Clone,
    Configuration,
    DateExpression,
    Expression,
    Group,
    Location,
    Primitive,
    Rule,
)
from paceline.cib.model.enums import BooleanOp, DateOp, ExprOp
from paceline.cib.score import Score
from paceline.controller.status import set_pair
from paceline.core.errors import ConfigError

INFINITY = 1_000_000


def _top(cfg: Configuration, rsc: str) -> None:
    for r in cfg.resources:
        if r.id == rsc:
            return
        if isinstance(r, Group) and any(c.id == rsc for c in r.children):
            return
        if isinstance(r, Clone) and r.child.id == rsc:
            return
    raise ConfigError(f"no resource {rsc!r} in the configuration", field="resource")


def set_meta(cfg: Configuration, rsc: str, name: str, value: str | None) -> Configuration:
    """Set (or remove, with None) meta attribute ``name`` of resource ``rsc`` at any depth."""
    _top(cfg, rsc)

    def fix(r: object) -> object:
        if isinstance(r, (Primitive, Group, Clone)) and r.id == rsc:
            return replace(
                r,
                meta_attributes=set_pair(r.meta_attributes, f"{rsc}-meta_attributes", name, value),
            )
        if isinstance(r, Group):
            return replace(r, children=tuple(fix(c) for c in r.children))  # type: ignore[misc]
        if isinstance(r, Clone):
            return replace(r, child=fix(r.child))  # type: ignore[arg-type]
        return r

    return replace(cfg, resources=tuple(fix(r) for r in cfg.resources))  # type: ignore[misc]


def target_role(cfg: Configuration, rsc: str, role: str | None) -> Configuration:
    """``resource start`` (role None: the meta attribute is removed) / ``stop`` (``Stopped``)."""
    return set_meta(cfg, rsc, "target-role", role)


def _add_location(cfg: Configuration, con: Location) -> Configuration:
    kept = tuple(c for c in cfg.constraints if getattr(c, "id", None) != con.id)
    return replace(cfg, constraints=(*kept, con))


def move(cfg: Configuration, rsc: str, node: str, until: str | None = None) -> Configuration:
    """``cli-prefer-RSC``: +INFINITY for ``node`` (until ``until``, an ISO date, if given)."""
    _top(cfg, rsc)
    cid = f"cli-prefer-{rsc}"
    if until is None:
        con = Location(cid, rsc=rsc, score=Score(INFINITY), node=node)
    else:
        con = Location(cid, rsc=rsc, rules=_node_rule(cid, node, INFINITY, until))
    return _add_location(cfg, con)


def ban(cfg: Configuration, rsc: str, node: str, until: str | None = None) -> Configuration:
    """``cli-ban-RSC-on-NODE``: -INFINITY for ``node``."""
    _top(cfg, rsc)
    cid = f"cli-ban-{rsc}-on-{node}"
    if until is None:
        con = Location(cid, rsc=rsc, score=Score(-INFINITY), node=node)
    else:
        con = Location(cid, rsc=rsc, rules=_node_rule(cid, node, -INFINITY, until))
    return _add_location(cfg, con)


def _node_rule(cid: str, node: str, score: int, until: str) -> tuple[Rule, ...]:
    uname = Expression(f"{cid}-expr", "#uname", ExprOp.EQ, value=node)
    date = DateExpression(f"{cid}-lifetime", DateOp.LT, end=until)
    return (Rule(f"{cid}-rule", (uname, date), score=Score(score), boolean_op=BooleanOp.AND),)


def clear(cfg: Configuration, rsc: str, node: str | None = None) -> Configuration:
    """Remove the ``cli-prefer-``/``cli-ban-`` constraints of ``rsc`` (only those naming
    ``node`` when it is given)."""

    def ours(c: object) -> bool:
        cid = getattr(c, "id", "")
        if not isinstance(c, Location) or c.rsc != rsc:
            return False
        if cid == f"cli-prefer-{rsc}":
            return node is None or c.node in (None, node)
        if cid.startswith(f"cli-ban-{rsc}-on-"):
            return node is None or cid == f"cli-ban-{rsc}-on-{node}"
        return False

    return replace(cfg, constraints=tuple(c for c in cfg.constraints if not ours(c)))
