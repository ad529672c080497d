"""``paceline attribute``: node attributes and cluster options, as ``crm_attribute``.

    paceline attribute [--node NODE] --name NAME [--query | --update VALUE | --delete]
                       [--lifetime reboot|forever] [-t nodes|status|crm_config] [-q] [-d DEFAULT]

The same options, defaults and output as ``crm_attribute`` (``-N``, ``-n``,
``-G``, ``-v``, ``-D``, ``-l``, ``-t``, ``-q``, ``-d``): a query prints
``scope=nodes  name=standby value=on`` (only the value with ``-q``) or exits
105 when the attribute is not set; ``-D`` prints ``Deleted nodes attribute:
id=nodes-1-standby name=standby``. ``--lifetime reboot`` (scope ``status``)
is a transient attribute in the node's status, gone when it leaves;
``forever`` (scope ``nodes``) a permanent one; without a node, the name is a
cluster option (``crm_config``). NODE defaults to this node.

Without ``--cib`` it works on the running cluster through the node daemon's
socket, with the code the agents' ``crm_attribute`` runs
(``paceline.executor.tools.SocketAttributes``): every change goes through
the DC. With ``--cib FILE`` it edits that file (``paceline.admin.attributes``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from paceline.admin.attributes import attribute_query, attribute_update
from paceline.cli.admin_backend import FileBackend
from paceline.executor.tools import (
    AttributeBackend,
    SocketAttributes,
    attribute_options,
    run_attribute,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = subparsers.add_parser(
        "attribute",
        help="query, set or delete node attributes and cluster options (crm_attribute)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    attribute_options(p)
    p.add_argument(
        "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
    )
    p.set_defaults(func=run)


def _scope(lifetime: str) -> str:
    return "status" if lifetime == "reboot" else "nodes"


class CibAttributes:
    """``AttributeBackend`` on a CIB file, with the admin edits."""

    def __init__(self, path: Path) -> None:
        self.file = FileBackend(path)

    def get(self, node: str, name: str, lifetime: str) -> str | None:
        found = attribute_query(self.file.read(), _scope(lifetime), name, node)
        return found[1] if found else None

    def set(self, node: str, name: str, value: str, lifetime: str) -> None:
        self.file.apply(lambda cib: attribute_update(cib, _scope(lifetime), name, value, node))

    def delete(self, node: str, name: str, lifetime: str) -> str | None:
        found = attribute_query(self.file.read(), _scope(lifetime), name, node)
        self.file.apply(lambda cib: attribute_update(cib, _scope(lifetime), name, None, node))
        return found[0] if found else None

    def option(self, name: str) -> str | None:
        found = attribute_query(self.file.read(), "crm_config", name)
        return found[1] if found else None

    def set_option(self, name: str, value: str | None) -> str | None:
        found = attribute_query(self.file.read(), "crm_config", name)
        self.file.apply(lambda cib: attribute_update(cib, "crm_config", name, value))
        return found[0] if found else None


def run(args: argparse.Namespace) -> int:
    from paceline.cli.cluster import call, socket_path, who

    cib = args.cib
    env = dict(os.environ)
    backend: AttributeBackend
    if cib:
        backend = CibAttributes(Path(cib))
        env.setdefault("PACELINE_NODE", os.uname().nodename)
    else:
        path = socket_path(args)
        node = str(call(args, "status")["node"])  # also: a clear error when no daemon runs
        env.setdefault("PACELINE_NODE", node)
        backend = SocketAttributes(str(path), who=who())
    return run_attribute(args, env, backend, "paceline attribute")
