"""``crm_mon --output-as=xml``'s document shape: summary, nodes, resources,
node attributes and failures (the ``node_history`` section is not written)."""

from __future__ import annotations

from datetime import UTC, tzinfo
from xml.sax.saxutils import quoteattr

from paceline.cib.model import Role
from paceline.monitor.state import (
    BundleView,
    CloneView,
    GroupView,
    PrimView,
    ResourceView,
    Snapshot,
)
from paceline.monitor.text import EXEC_STATUS_TEXT, RC_TEXT, format_time

API_VERSION = "2.25"
PENDING_ROLES = ("Starting", "Stopping", "Migrating", "Promoting", "Demoting")


def _b(value: bool) -> str:
    return "true" if value else "false"


def _el(indent: int, tag: str, attrs: list[tuple[str, str]], close: bool = True) -> str:
    text = "".join(f" {k}={quoteattr(val)}" for k, val in attrs)
    return f"{'  ' * indent}<{tag}{text}{'/' if close else ''}>"


def render_xml(snap: Snapshot, *, tz: tzinfo = UTC, request: str = "paceline status") -> str:
    ids = {n.name: n.id for n in snap.nodes}
    opts = dict(snap.options)
    out = [f'<pacemaker-result api-version="{API_VERSION}" request={quoteattr(request)}>']
    out.append("  <summary>")
    out.append(_el(2, "stack", [("type", snap.stack)]))
    if snap.dc is None:
        out.append(_el(2, "current_dc", [("present", "false")]))
    else:
        out.append(
            _el(
                2,
                "current_dc",
                [
                    ("present", "true"),
                    ("version", snap.dc_version or ""),
                    ("name", snap.dc),
                    ("id", ids.get(snap.dc, "")),
                    ("with_quorum", _b(snap.have_quorum)),
                ],
            )
        )
    out.append(_el(2, "last_update", [("time", format_time(snap.now, tz))]))
    out.append(
        _el(
            2,
            "last_change",
            [
                ("time", snap.last_written or ""),
                ("user", ""),
                ("client", snap.update_client or ""),
                ("origin", snap.update_origin or ""),
            ],
        )
    )
    out.append(_el(2, "nodes_configured", [("number", str(len(snap.nodes)))]))
    prims = list(snap.all_prims())
    out.append(
        _el(
            2,
            "resources_configured",
            [
                ("number", str(snap.instance_count)),
                ("disabled", str(sum(1 for p in prims if p.disabled))),
                ("blocked", str(sum(1 for p in prims if p.blocked))),
            ],
        )
    )
    out.append(
        _el(
            2,
            "cluster_options",
            [
                ("stonith-enabled", opts.get("stonith-enabled", "true")),
                ("symmetric-cluster", opts.get("symmetric-cluster", "true")),
                ("no-quorum-policy", opts.get("no-quorum-policy", "stop")),
                ("maintenance-mode", _b(snap.maintenance_mode)),
                ("stop-all-resources", _b(snap.stop_all)),
            ],
        )
    )
    out.append("  </summary>")
    out.append("  <nodes>")
    for n in snap.nodes:
        out.append(
            _el(
                2,
                "node",
                [
                    ("name", n.name),
                    ("id", n.id),
                    # a pending node counts as online and standby (not ready to run resources)
                    ("online", _b(n.online or n.pending)),
                    ("standby", _b(n.standby or n.pending)),
                    ("maintenance", _b(n.maintenance)),
                    ("pending", _b(n.pending)),
                    ("unclean", _b(n.unclean)),
                    ("shutdown", _b(n.shutdown)),
                    ("is_dc", _b(n.name == snap.dc)),
                    ("resources_running", str(n.active_resources)),
                    ("type", n.kind),
                ],
            )
        )
    out.append("  </nodes>")
    out.append("  <resources>")
    for r in snap.resources:
        out += _rsc(r, 2, ids)
    out.append("  </resources>")
    attr_nodes = [n for n in snap.nodes if n.online and _shown_attrs(n.attributes)]
    if attr_nodes:
        out.append("  <node_attributes>")
        for n in attr_nodes:
            out.append(_el(2, "node", [("name", n.name)], close=False))
            for name, value in _shown_attrs(n.attributes):
                out.append(_el(3, "attribute", [("name", name), ("value", value)]))
            out.append("    </node>")
        out.append("  </node_attributes>")
    if snap.failed:
        out.append("  <failures>")
        for f in snap.failed:
            attrs = [
                ("op_key" if f.keyed else "id", f.op_key),
                ("node", f.node),
                ("exitstatus", RC_TEXT.get(f.rc, "unknown")),
                ("exitreason", f.exit_reason or "none"),
                ("exitcode", str(f.rc)),
                ("call", str(f.call_id)),
                ("status", EXEC_STATUS_TEXT.get(f.op_status, "unknown")),
            ]
            if f.last_rc_change:
                attrs += [
                    ("last-rc-change", format_time(f.last_rc_change, tz)),
                    ("queued", str(f.queue_time or 0)),
                    ("exec", str(f.exec_time or 0)),
                    ("interval", str(f.interval_ms)),
                    ("task", f.task),
                ]
            out.append(_el(2, "failure", attrs))
        out.append("  </failures>")
    out.append('  <status code="0" message="OK"/>')
    out.append("</pacemaker-result>")
    return "\n".join(out) + "\n"


def _shown_attrs(attrs: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    hidden = ("fail-count-", "last-failure-", "#")
    return [(k, val) for k, val in attrs if not k.startswith(hidden) and k != "shutdown"]


def _prim(p: PrimView, level: int, ids: dict[str, str]) -> list[str]:
    roles = {r for _, r in p.roles}
    role = (
        max(roles, key=lambda r: [Role.STARTED, Role.UNPROMOTED, Role.PROMOTED].index(r))
        if roles
        else Role.STOPPED
    )
    shown = p.pending if p.pending in PENDING_ROLES else str(role)
    attrs = [
        ("id", p.id),
        ("resource_agent", p.agent),
        ("role", shown),
    ]
    if p.target_role:
        attrs.append(("target_role", p.target_role))
    attrs += [
        ("active", _b(p.active)),
        ("orphaned", _b(p.orphan)),
        ("blocked", _b(p.blocked)),
        ("managed", _b(p.managed and not p.blocked)),  # blocked: no longer managed
        ("failed", _b(p.failed)),
        ("failure_ignored", _b(p.failure_ignored)),
        ("nodes_running_on", str(len(p.roles))),
    ]
    if not p.roles:
        return [_el(level, "resource", attrs)]
    out = [_el(level, "resource", attrs, close=False)]
    for node, _role in p.roles:
        out.append(
            _el(level + 1, "node", [("name", node), ("id", ids.get(node, "")), ("cached", "true")])
        )
    out.append("  " * level + "</resource>")
    return out


def _rsc(r: ResourceView, level: int, ids: dict[str, str]) -> list[str]:
    pad = "  " * level
    if isinstance(r, PrimView):
        return _prim(r, level, ids)
    if isinstance(r, GroupView):
        out = [
            _el(
                level,
                "group",
                [
                    ("id", r.id),
                    ("number_resources", str(len(r.members))),
                    ("managed", _b(r.managed)),
                    ("disabled", _b(r.disabled)),
                ],
                close=False,
            )
        ]
        for m in r.members:
            out += _prim(m, level + 1, ids)
        return [*out, pad + "</group>"]
    if isinstance(r, CloneView):
        prims = list(_flat(r.members))
        out = [
            _el(
                level,
                "clone",
                [
                    ("id", r.id),
                    ("multi_state", _b(r.promotable)),
                    ("unique", _b(r.unique)),
                    ("managed", _b(r.managed)),
                    ("disabled", _b(r.disabled)),
                    ("failed", _b(any(p.failed for p in prims))),
                    ("failure_ignored", _b(any(p.failure_ignored for p in prims))),
                ],
                close=False,
            )
        ]
        for member in r.members:
            out += _rsc(member, level + 1, ids)
        if not r.unique and not r.child_is_group:  # the inactive instances, as crm_mon lists them
            for _ in range(max(r.clone_max - len(r.members), 0)):
                out += _prim(PrimView(r.child_id, r.child_agent, managed=r.managed), level + 1, ids)
        return [*out, pad + "</clone>"]
    assert isinstance(r, BundleView)
    return [_el(level, "bundle", [("id", r.id), ("image", r.image)])]


def _flat(members: list[PrimView | GroupView]) -> list[PrimView]:
    out: list[PrimView] = []
    for m in members:
        out += [m] if isinstance(m, PrimView) else m.members
    return out
