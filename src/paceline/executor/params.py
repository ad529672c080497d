"""Parameters checked against the agent's meta-data, as crm does (pure).

``parameter_warnings`` compares two CIBs and, for each primitive or template
that is new or changed, names the parameters its agent does not declare and
the ones it does. The caller supplies ``describe`` (the meta-data of an
installed agent, from ``executor.agents``); a configuration is never refused
for this, only warned about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from paceline.cib.model import Cib, Primitive, Resource, Template
from paceline.cib.model.rules import NvSet
from paceline.cib.walk import walk_resources
from paceline.executor.ocf import AgentDescription, unknown_parameters

Describe = Callable[[str], AgentDescription | None]


def _own_agent(rsc: Primitive | Template) -> str | None:
    """An ocf agent's ``ocf:provider:type`` (None for other classes and template users)."""
    if rsc.agent_class is None or rsc.agent_type is None or rsc.provider is None:
        return None
    if rsc.agent_class.value != "ocf":
        return None
    return f"ocf:{rsc.provider}:{rsc.agent_type}"


def _params(rsc: Primitive | Template) -> dict[str, str]:
    names: dict[str, str] = {}
    for item in rsc.instance_attributes:
        if isinstance(item, NvSet):
            for pair in item.nvpairs:
                if pair.name is not None:
                    names[pair.name] = ""
    return names


def _agents_of(resources: Iterable[Resource]) -> Iterator[Primitive]:
    for rsc, _parent in walk_resources(tuple(resources)):
        if isinstance(rsc, Primitive):
            yield rsc


def changed_agents(before: Cib, after: Cib) -> Iterator[Primitive | Template]:
    """The primitives and templates of ``after`` that are new or differ from
    ``before``'s. An edit keeps every object it did not change (the same
    object), so only the top-level objects that are not shared are walked:
    an edit's cost does not grow with the size of the CIB."""
    old_cfg, new_cfg = before.configuration, after.configuration
    if old_cfg is new_cfg:
        return
    shared = {id(r) for r in old_cfg.resources} & {id(r) for r in new_cfg.resources}
    old = {r.id: r for r in _agents_of(r for r in old_cfg.resources if id(r) not in shared)}
    for rsc in _agents_of(r for r in new_cfg.resources if id(r) not in shared):
        if old.get(rsc.id) != rsc:
            yield rsc
    if old_cfg.templates != new_cfg.templates:
        old_templates = {t.id: t for t in old_cfg.templates}
        for template in new_cfg.templates:
            if old_templates.get(template.id) != template:
                yield template


def parameter_warnings(before: Cib, after: Cib, catalog: object) -> list[str]:
    """One warning line per changed primitive or template with unknown parameters."""
    describe: Describe | None = getattr(catalog, "describe", None)
    if describe is None:
        return []
    lines: list[str] = []
    for rsc in changed_agents(before, after):
        spec = _own_agent(rsc)
        if spec is None:
            continue
        description = describe(spec)
        if description is None:
            continue
        unknown = unknown_parameters(description, _params(rsc))
        if not unknown:
            continue
        known = ", ".join(description.parameter_names) or "none"
        what = "parameter" if len(unknown) == 1 else "parameters"
        lines.append(
            f"warning: {rsc.id}: {what} {', '.join(unknown)} not known to agent {spec} "
            f"(its parameters: {known}); kept"
        )
    return lines
