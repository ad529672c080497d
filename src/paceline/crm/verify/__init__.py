"""Configuration checks: what ``crm_verify`` reports about a CIB, and a little more.

``verify(cib, agent_exists=...)`` returns typed ``Finding`` values; it does no
I/O (whether an agent is installed is the caller's knowledge, passed in as a
predicate). Severities follow ``crm_verify`` of Pacemaker 2.1.5:

- ``ERROR``: crm_verify reports a configuration error ("Errors found during
  check: config not valid") — schema violations (duplicate ids, references to
  unknown ids, names the schema dropped) and the scheduler's configuration
  errors (no fencing device while fencing is enabled, duplicate operations,
  invalid order kind, target-role or influence).
- ``WARNING``: crm_verify reports a configuration warning ("Warnings found
  during check: config may not be valid"), such as deprecated group
  meta-attributes or ``stonith-action=poweroff``.
- ``ADVICE``: crm_verify says nothing (or only logs it), but the
  configuration is unlikely to do what its author meant: fencing disabled,
  ``no-quorum-policy=ignore`` with more than two nodes, ordering loops,
  contradictory constraints, agents not installed here, legacy ``<master>``.
  Advice never changes the verdict, so that the verdict stays crm_verify's.

Messages use crm_verify's wording where it has one. The checks read the
configuration only: findings crm_verify derives from the status section
(unclean nodes, failed operations) belong to the scheduler.

The checks live in one module per part of the configuration: ``references``
(ids), ``properties`` (cluster properties and fencing), ``resources``,
``constraints`` and ``loops`` (ordering loops); ``findings`` holds the types
they report, ``index`` the ids they all read and ``values`` the reading of
booleans and intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace

from paceline.cib.codec.sources import locator_of
from paceline.cib.model import Cib, Configuration
from paceline.cib.values import parse_interval_ms
from paceline.crm.migrate import AgentExists
from paceline.crm.verify.constraints import check_constraints
from paceline.crm.verify.findings import Finding, Severity, Verdict, verdict
from paceline.crm.verify.index import Index
from paceline.crm.verify.loops import check_order_loops
from paceline.crm.verify.properties import (
    check_fencing_topology,
    check_properties,
    check_unseen_nodes,
)
from paceline.crm.verify.references import check_ids, check_references
from paceline.crm.verify.resources import check_agents, check_fencing_needs, check_resources

__all__ = [
    "AgentExists",
    "Finding",
    "Severity",
    "Verdict",
    "parse_interval_ms",
    "verdict",
    "verify",
]


def verify(cib: Cib, *, agent_exists: AgentExists | None = None) -> tuple[Finding, ...]:
    """Every finding about ``cib``'s configuration, errors first, then in check order."""
    config = cib.configuration
    history = frozenset(
        rsc.id.split(":", 1)[0]
        for state in cib.status.node_states
        if state.lrm is not None
        for rsc in state.lrm.resources
    )
    online = any(
        state.in_ccm == "true" and state.crmd == "online" for state in cib.status.node_states
    )
    index = Index.build(config, history, online)
    findings: list[Finding] = []
    for check in _CHECKS:
        findings.extend(check(config, index))
    findings.extend(check_unseen_nodes(cib))
    if agent_exists is not None:
        findings.extend(check_agents(config, agent_exists))
    findings.sort(key=lambda f: -f.severity)
    return tuple(_located(cib, findings))


_LOCATED_CHECKS = frozenset({"duplicate-id", "dangling-reference"})


def _located(cib: Cib, findings: list[Finding]) -> list[Finding]:
    """Findings about the XML's ids, with the file, line and column they point
    at: a duplicate id's second definition, a dangling reference's attribute."""
    if not any(f.check in _LOCATED_CHECKS for f in findings):
        return findings
    locator = locator_of(cib)
    if locator is None:
        return findings
    located: list[Finding] = []
    for f in findings:
        where = None
        if f.check == "duplicate-id" and f.object_id is not None:
            where = locator.of_id(f.object_id, nth=1)
        elif f.check == "dangling-reference" and f.object_id is not None:
            where = locator.of_reference(f.object_id, f.refers_to or f.object_id)
        located.append(replace(f, location=where) if where is not None else f)
    return located


_Check = Callable[[Configuration, Index], Iterable[Finding]]
_CHECKS: tuple[_Check, ...] = (
    check_ids,
    check_references,
    check_properties,
    check_resources,
    check_fencing_needs,
    check_constraints,
    check_order_loops,
    check_fencing_topology,
)
