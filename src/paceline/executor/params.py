"""Parameters checked against the agent's meta-data, as crm does (pure).

``parameter_warnings`` compares two CIBs and, for each primitive or template
that is new or changed, names the parameters its agent does not declare and
the ones it does. The caller supplies ``describe`` (the meta-data of an
installed agent, from ``executor.agents``); a configuration is never refused
for this, only warned about.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from paceline.cib.model import Cib, Primitive, Template
from paceline.cib.model.lookup import primitives
from paceline.cib.model.rules import NvSet
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


def _agents_of(cib: Cib) -> Iterator[Primitive | Template]:
    yield from primitives(cib.configuration)
    yield from cib.configuration.templates


def parameter_warnings(before: Cib, after: Cib, catalog: object) -> list[str]:
    """One warning line per changed primitive or template with unknown parameters."""
    describe: Describe | None = getattr(catalog, "describe", None)
    if describe is None or before.configuration is after.configuration:
        return []
    old = {r.id: r for r in _agents_of(before)}
    lines: list[str] = []
    for rsc in _agents_of(after):
        if old.get(rsc.id) == rsc:
            continue
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
