"""``paceline cluster reload``: which edits of corosync.conf a running node can apply.

``plan_reload(old, text, file, me)`` loads the edited file and compares it
with the running configuration. What applies live (``MembershipCore.reconfigure``):

- the nodelist's other nodes: added ones are heartbeated and join the next
  view once heard, removed ones are forgotten (stop a node before removing
  it, as with Corosync's ``corosync-cfgtool -H``), their addresses, names and
  ``quorum_votes``;
- votequorum's ``expected_votes`` and ``two_node`` (the only quorum keys
  Corosync changes at runtime, specs/corosync.md 5.1): expected votes are
  recomputed from the file (``quorum.expected_votes``, else the nodelist's
  sum of votes) and quorum with them, allowed to go down as at
  ``corosync-quorumtool -e``; two_node is off past two nodes;
- totem timing (token, token_coefficient, consensus, join, ...): the
  effective token follows the node count as Corosync's does.

What cannot change on a running node is refused with a ``ConfigError`` at
the edited item's file:line:column (or its section's), and nothing is
applied: ``cluster_name``, authentication (``secauth``, ``crypto_hash``,
``crypto_cipher``, ``keyfile``), ``transport``, nodelist vs multicast style,
the links and this node's own entry (its id, name and addresses: its sockets
are bound to them), the multicast interfaces, and votequorum's start-up
options (``wait_for_all``, ``last_man_standing``, ``auto_tie_breaker``, ...).
Syntax and value errors are ``load``'s, with their location.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from paceline.core.errors import ConfigError
from paceline.membership.conffile import Section, parse
from paceline.membership.config import Auth, ClusterConfig, Notice, Severity, load

RESTART = "cannot change on a running node (restart the cluster to change it)"


def _message(what: str | None) -> str:
    return f"{what} {RESTART}" if what else RESTART[0].upper() + RESTART[1:]


@dataclass(frozen=True, slots=True)
class ReloadPlan:
    """A checked reload: the new configuration and what it changes."""

    config: ClusterConfig
    notes: tuple[Notice, ...]
    added: tuple[int, ...]
    removed: tuple[int, ...]
    changed: tuple[int, ...]
    """Nodes still listed whose addresses, name or votes changed."""


def _last(section: Section, name: str) -> Section | None:
    found = None
    for s in section.subsections(name):
        found = s
    return found


class _Blame:
    """Positions in the edited file, for the refusal messages."""

    def __init__(self, root: Section, file: str | None, me: int) -> None:
        self.root = root
        self.file = file
        self.me = me

    def error(
        self, what: str | None, path: tuple[str, ...], keys: tuple[str, ...] = ()
    ) -> ConfigError:
        """``what`` cannot change, blamed on the first of ``keys`` found in the
        section at ``path`` (else on that section, else the file's first line)."""
        section: Section | None = self.root
        where: tuple[int, int] = (1, 1)
        for name in path:
            section = _last(section, name) if section is not None else None
            if section is not None:
                where = (section.line, section.column)
        field = ".".join((*path, keys[0])) if keys else ".".join(path)
        if section is not None:
            for key in keys:
                it = section.item(key)
                if it is not None:
                    where, field = (it.line, it.column), ".".join((*path, key))
                    break
        return ConfigError(
            _message(what), file=self.file, line=where[0], column=where[1], field=field
        )

    def own_node(self, what: str, key: str | None = None) -> ConfigError:
        """Blame this node's entry in the nodelist (its ``key`` item if present)."""
        nodelist = _last(self.root, "nodelist")
        if nodelist is not None:
            for node in nodelist.subsections("node"):
                it = node.item("nodeid")
                if it is not None and it.value == str(self.me):
                    target = node.item(key) if key is not None else None
                    line, col = (target.line, target.column) if target else (node.line, node.column)
                    return ConfigError(
                        _message(what), file=self.file, line=line, column=col,
                        field=f"nodelist.node.{key or 'nodeid'}",
                    )  # fmt: skip
        return self.error(what, ("nodelist",))


def plan_reload(old: ClusterConfig, text: str, file: str | None, me: int) -> ReloadPlan:
    """Check the edited corosync.conf ``text`` against the running ``old`` for node ``me``.

    Raises:
        ConfigError: the file does not load, or it changes something a running
            node cannot change (see the module doc); the error names the place.
    """
    new, notes = load(text, file)
    blame = _Blame(parse(text, file), file, me)
    ot, nt = old.totem, new.totem
    if nt.cluster_name != ot.cluster_name:
        raise blame.error(None, ("totem",), ("cluster_name",))
    if nt.auth is not ot.auth:
        aes = Auth.AES_256_GCM in (ot.auth, nt.auth)
        keys = ("crypto_cipher", "secauth") if aes else ("crypto_hash", "secauth")
        raise blame.error(f"authentication ({ot.auth.value} -> {nt.auth.value})", ("totem",), keys)
    if nt.keyfile != ot.keyfile:
        raise blame.error(None, ("totem",), ("keyfile",))
    if nt.transport != ot.transport:
        raise blame.error(None, ("totem",), ("transport",))
    if new.multicast != old.multicast:
        raise blame.error("the style (nodelist or multicast interfaces)", ("nodelist",))
    if new.links != old.links:
        raise blame.error(f"the links ({list(old.links)} -> {list(new.links)})", ("totem",))
    if new.interfaces != old.interfaces:
        raise blame.error(None, ("totem", "interface"), ("mcastaddr", "mcastport", "bindnetaddr"))
    if not new.multicast:
        mine, was = new.node(me), old.node(me)
        if mine is None:
            raise blame.error(f"removing this node (id {me}) from the nodelist", ("nodelist",))
        if was is not None and mine.addrs != was.addrs:
            link = min(
                n for n in set(mine.addrs) | set(was.addrs) if mine.addrs.get(n) != was.addrs.get(n)
            )
            raise blame.own_node("this node's address", f"ring{link}_addr")
        if was is not None and mine.name != was.name:
            raise blame.own_node("this node's name", "name")
    oq, nq = old.quorum, new.quorum
    for key in (
        "provider", "last_man_standing", "last_man_standing_window",
        "auto_tie_breaker", "auto_tie_breaker_node", "allow_downscale",
    ):  # fmt: skip
        if getattr(oq, key) != getattr(nq, key):
            raise blame.error(None, ("quorum",), (key,))
    if nq.wait_for_all != oq.wait_for_all:
        quorum = _last(blame.root, "quorum")
        it = quorum.item("wait_for_all") if quorum is not None else None
        if it is not None:
            raise blame.error(None, ("quorum",), ("wait_for_all",))
        # only two_node's default moved it: votequorum keeps it until a restart
        new = replace(new, quorum=replace(nq, wait_for_all=oq.wait_for_all))
        notes.append(
            Notice(
                Severity.NOTE,
                f"wait_for_all stays {'on' if oq.wait_for_all else 'off'} until the next start "
                "(it follows two_node's default only at start)",
                file,
                quorum.line if quorum is not None else None,
                quorum.column if quorum is not None else None,
            )
        )
    before = {n.nodeid: n for n in old.nodes}
    after = {n.nodeid: n for n in new.nodes}
    return ReloadPlan(
        new,
        tuple(notes),
        tuple(sorted(set(after) - set(before))),
        tuple(sorted(set(before) - set(after))),
        tuple(sorted(n for n in set(after) & set(before) if after[n] != before[n])),
    )
