"""The OCF 1.1 resource agent contract, as data (pure).

What the executor hands an agent (its environment: ``OCF_RESKEY_*`` per
instance attribute, ``OCF_RESKEY_CRM_meta_*`` per meta attribute, the
action's interval and timeout in milliseconds), what the agent's exit code
means, and the agent's meta-data read into a typed ``AgentDescription``.
Running the agent is ``executor.runner``'s job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from lxml import etree

from paceline.core.errors import ConfigError

OCF_ROOT = "/usr/lib/ocf"
RA_VERSION = ("1", "1")
CRM_FEATURE_SET = "3.16.2"


class OcfExit(IntEnum):
    """OCF 1.1 exit codes (resource-agent-api.md, Pacemaker's results.h)."""

    SUCCESS = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    DEGRADED = 190
    DEGRADED_PROMOTED = 191
    # Pacemaker's own codes for what happened around the agent (not the agent's rc)
    TIMEOUT = 198
    NOT_FOUND = 199  # the agent could not be executed


# Pacemaker's words for each exit code (crm_mon, operation history)
EXIT_TEXT: dict[int, str] = {
    OcfExit.SUCCESS: "ok",
    OcfExit.ERR_GENERIC: "error",
    OcfExit.ERR_ARGS: "invalid parameter",
    OcfExit.ERR_UNIMPLEMENTED: "unimplemented feature",
    OcfExit.ERR_PERM: "insufficient privileges",
    OcfExit.ERR_INSTALLED: "not installed",
    OcfExit.ERR_CONFIGURED: "not configured",
    OcfExit.NOT_RUNNING: "not running",
    OcfExit.RUNNING_PROMOTED: "promoted",
    OcfExit.FAILED_PROMOTED: "promoted (failed)",
    OcfExit.DEGRADED: "OCF_DEGRADED",
    OcfExit.DEGRADED_PROMOTED: "promoted (degraded)",
    OcfExit.TIMEOUT: "Timed Out",
    OcfExit.NOT_FOUND: "not installed",
}


def exit_text(rc: int) -> str:
    return EXIT_TEXT.get(rc, "error")


def ocf_exit(rc: int) -> int:
    """An agent's raw exit status as an OCF code: the defined codes pass through,
    anything else (e.g. 127 from a shell that found no command) is a generic error."""
    return rc if rc in EXIT_TEXT and rc not in (OcfExit.TIMEOUT, OcfExit.NOT_FOUND) else 1


def succeeded(action: str, rc: int) -> bool:
    """Whether ``rc`` is what a successful ``action`` returns. A monitor or probe
    of a stopped resource (7) and of a promoted one (8) are results, not failures;
    so is a stop that finds nothing to stop (0)."""
    if action in ("monitor", "status"):
        return rc in (0, 7, 8, 190, 191)
    if action == "meta-data":
        return rc == 0
    return rc == 0


# ----------------------------------------------------------------- environment


def env_name(name: str) -> str:
    """A meta attribute's name in the environment: dashes become underscores."""
    return name.replace("-", "_")


@dataclass(frozen=True, slots=True)
class OcfCall:
    """One call of an agent: what it is, what it acts on, with which settings."""

    rsc_id: str
    provider: str
    type: str
    action: str
    params: Mapping[str, str]
    meta: Mapping[str, str]
    interval_ms: int = 0
    timeout_ms: int = 20000
    node: str = ""
    ocf_root: str = OCF_ROOT

    @property
    def path(self) -> str:
        return f"{self.ocf_root}/resource.d/{self.provider}/{self.type}"


def ocf_environment(call: OcfCall, *, sbin_dir: str | None = None) -> dict[str, str]:
    """The environment variables the executor sets for ``call`` (not the
    inherited ones: the runner adds PATH and the like)."""
    env: dict[str, str] = {
        "OCF_ROOT": call.ocf_root,
        "OCF_RA_VERSION_MAJOR": RA_VERSION[0],
        "OCF_RA_VERSION_MINOR": RA_VERSION[1],
        "OCF_RESOURCE_INSTANCE": call.rsc_id,
        "OCF_RESOURCE_TYPE": call.type,
        "OCF_RESOURCE_PROVIDER": call.provider,
        "OCF_EXIT_REASON_PREFIX": "ocf-exit-reason:",
        "OCF_RESKEY_crm_feature_set": CRM_FEATURE_SET,
        "PCMK_service": "pacemaker-execd",
    }
    for name, value in call.params.items():
        env[f"OCF_RESKEY_{name}"] = value
        if name == "OCF_CHECK_LEVEL":
            env["OCF_CHECK_LEVEL"] = value
    for name, value in call.meta.items():
        env[f"OCF_RESKEY_CRM_meta_{env_name(name)}"] = value
    if call.action != "meta-data":
        env["OCF_RESKEY_CRM_meta_interval"] = str(call.interval_ms)
        env["OCF_RESKEY_CRM_meta_timeout"] = str(call.timeout_ms)
        env["OCF_RESKEY_CRM_meta_name"] = call.action
        if call.node:
            env["OCF_RESKEY_CRM_meta_on_node"] = call.node
    if sbin_dir is not None:
        env["HA_SBIN_DIR"] = sbin_dir
    return env


def exit_reason(stderr: str) -> str:
    """The last ``ocf-exit-reason:`` line an agent wrote on stderr ('' if none)."""
    reason = ""
    for line in stderr.splitlines():
        if line.startswith("ocf-exit-reason:"):
            reason = line.removeprefix("ocf-exit-reason:").strip()
    return reason


# ----------------------------------------------------------------- meta-data


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    shortdesc: str = ""
    longdesc: str = ""
    type: str = "string"
    default: str | None = None
    required: bool = False
    unique: bool = False
    reloadable: bool = False
    options: tuple[str, ...] = ()
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class ActionHint:
    """An action the agent advertises, with its suggested timeout and interval."""

    name: str
    timeout: str | None = None
    interval: str | None = None
    depth: str | None = None
    role: str | None = None
    start_delay: str | None = None


@dataclass(frozen=True, slots=True)
class AgentDescription:
    """An agent's meta-data."""

    name: str
    version: str = ""
    ocf_version: str = ""
    shortdesc: str = ""
    longdesc: str = ""
    parameters: tuple[Parameter, ...] = ()
    actions: tuple[ActionHint, ...] = ()

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def _text(element: etree._Element, tag: str) -> str:
    """The English (or first) ``tag`` child's text, whitespace collapsed."""
    children = [c for c in element if isinstance(c.tag, str) and c.tag == tag]
    if not children:
        return ""
    chosen = next((c for c in children if c.get("lang", "en") == "en"), children[0])
    return " ".join("".join(str(t) for t in chosen.itertext()).split())


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() in ("1", "true", "yes", "on")


def parse_metadata(data: bytes, *, source: str = "<meta-data>") -> AgentDescription:
    """Read an agent's meta-data XML (OCF 1.0 or 1.1; fence agents' too).
    Malformed XML is a ``ConfigError`` located in ``source``."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise ConfigError(
            f"meta-data is not XML: {exc.msg}", file=source, line=int(line), column=int(column)
        ) from None
    if root.tag != "resource-agent":
        raise ConfigError(
            f"meta-data root is <{root.tag}>, not <resource-agent>",
            file=source,
            line=root.sourceline if isinstance(root.sourceline, int) else 1,
        )
    params: list[Parameter] = []
    for p in root.iterfind("parameters/parameter"):
        content = p.find("content")
        options: tuple[str, ...] = ()
        if content is not None:
            options = tuple(o.get("value", "") for o in content.iterfind("option"))
        params.append(
            Parameter(
                name=p.get("name", ""),
                shortdesc=_text(p, "shortdesc"),
                longdesc=_text(p, "longdesc"),
                type=content.get("type", "string") if content is not None else "string",
                default=content.get("default") if content is not None else None,
                required=_flag(p.get("required")),
                unique=_flag(p.get("unique")) or p.get("unique-group") is not None,
                reloadable=_flag(p.get("reloadable")),
                options=options,
                deprecated=p.find("deprecated") is not None or _flag(p.get("deprecated")),
            )
        )
    actions = tuple(
        ActionHint(
            name=a.get("name", ""),
            timeout=a.get("timeout"),
            interval=a.get("interval"),
            depth=a.get("depth"),
            role=a.get("role"),
            start_delay=a.get("start-delay"),
        )
        for a in root.iterfind("actions/action")
    )
    version = root.find("version")
    return AgentDescription(
        name=root.get("name", ""),
        version=root.get("version", ""),
        ocf_version=(version.text or "").strip() if version is not None else "",
        shortdesc=_text(root, "shortdesc"),
        longdesc=_text(root, "longdesc"),
        parameters=tuple(params),
        actions=actions,
    )


def unknown_parameters(description: AgentDescription, given: Mapping[str, str]) -> list[str]:
    """The names in ``given`` the agent does not declare (``OCF_CHECK_LEVEL``
    belongs to the executor, not the agent)."""
    known = set(description.parameter_names)
    return [name for name in given if name not in known and name != "OCF_CHECK_LEVEL"]
