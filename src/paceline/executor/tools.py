"""Pacemaker's helper tools as agents call them, backed by Paceline (I/O edge).

Agents call ``${HA_SBIN_DIR}/crm_attribute``, ``crm_master``, ``crm_node``
and ``crm_resource``. ``install_tools(DIR)`` writes four small scripts into
DIR that run ``python -m paceline.executor.tools NAME ARGS``; the executor
sets ``HA_SBIN_DIR=DIR`` and puts DIR first on PATH, so Debian's real tools
in /usr/sbin are never the ones reached.

The backend is chosen from the environment (``backend_from_env``): under
the node daemon (``PACELINE_NODE_SOCKET`` set) attributes live in the live
CIB and every change goes through the DC (``SocketAttributes``, which
``paceline attribute`` uses too); without it, in a node-local store
(``FileAttributes``: transient ones in ``<root>/run/paceline/attributes.json``,
permanent ones in ``<root>/var/lib/paceline/attributes.json``, cluster
options read from the CIB file). Resources are read from the CIB file.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

TOOLS = ("crm_attribute", "crm_master", "crm_node", "crm_resource")
CRM_EX_OK = 0
CRM_EX_USAGE = 64
CRM_EX_NOSUCH = 105
NOSUCH_TEXT = "Error performing operation: No such device or address"


class AttributeBackend(Protocol):
    """Node attributes by lifetime: ``reboot`` (transient) or ``forever``, and
    cluster options (``crm_config``). ``delete`` returns the id of the pair it
    removed, when it knows it (``crm_attribute -D`` names it)."""

    def get(self, node: str, name: str, lifetime: str) -> str | None: ...
    def set(self, node: str, name: str, value: str, lifetime: str) -> None: ...
    def delete(self, node: str, name: str, lifetime: str) -> str | None: ...
    def option(self, name: str) -> str | None: ...
    def set_option(self, name: str, value: str | None) -> str | None: ...


class ReadOnly(Exception):
    """The backend cannot make this change (a cluster option without the daemon)."""


class FileAttributes:
    """Attributes in two JSON files, ``{node: {name: value}}``, updated under a lock."""

    def __init__(self, root: Path, cib: Path | None = None) -> None:
        self.cib = cib if cib is not None else root / "var/lib/paceline/cib.xml"
        self.files = {
            "reboot": root / "run/paceline/attributes.json",
            "forever": root / "var/lib/paceline/attributes.json",
        }

    @contextmanager
    def _locked(self, lifetime: str) -> Iterator[tuple[Path, dict[str, dict[str, str]]]]:
        path = self.files[lifetime]
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = json.loads(path.read_text()) if path.exists() else {}
            except (OSError, ValueError):
                data = {}
            yield path, data

    def get(self, node: str, name: str, lifetime: str) -> str | None:
        with self._locked(lifetime) as (_path, data):
            return data.get(node, {}).get(name)

    def _write(self, path: Path, data: dict[str, dict[str, str]]) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, sort_keys=True, indent=1) + "\n")
        os.replace(tmp, path)

    def set(self, node: str, name: str, value: str, lifetime: str) -> None:
        with self._locked(lifetime) as (path, data):
            data.setdefault(node, {})[name] = value
            self._write(path, data)

    def delete(self, node: str, name: str, lifetime: str) -> str | None:
        with self._locked(lifetime) as (path, data):
            if data.get(node, {}).pop(name, None) is not None:
                self._write(path, data)
        return None

    def option(self, name: str) -> str | None:
        return _cib_nvpairs(self.cib, "crm_config").get(name)

    def set_option(self, name: str, value: str | None) -> str | None:
        raise ReadOnly("changing cluster options needs the node daemon")


def root_from_env(env: os._Environ[str] | dict[str, str]) -> Path:
    return Path(env.get("PACELINE_ROOT", "/"))


class SocketAttributes:
    """Attributes in the live CIB, through the node daemon's socket
    (``PACELINE_NODE_SOCKET``, set by ``pacelined`` for the agents it runs):
    a change goes through the DC like any other."""

    def __init__(self, path: str, who: str = "agent") -> None:
        self.path = path
        self.who = who

    def _call(self, op: str, **args: object) -> object:
        from paceline.runtime.control import call

        return call(self.path, op, args)

    def _query(self, scope: str, name: str, node: str | None) -> tuple[str, str] | None:
        from paceline.admin.attributes import attribute_query
        from paceline.cib.codec import decode_cib

        got = self._call("cib")
        assert isinstance(got, dict)
        cib = decode_cib(str(got["xml"]).encode(), file="<live CIB>")
        return attribute_query(cib, scope, name, node)

    def get(self, node: str, name: str, lifetime: str) -> str | None:
        found = self._query("status" if lifetime == "reboot" else "nodes", name, node)
        return found[1] if found else None

    def set(self, node: str, name: str, value: str, lifetime: str) -> None:
        self._call("node-attr", node=node, name=name, value=value, lifetime=lifetime, who=self.who)

    def delete(self, node: str, name: str, lifetime: str) -> str | None:
        found = self._query("status" if lifetime == "reboot" else "nodes", name, node)
        if found is None:
            return None
        self._call("node-attr", node=node, name=name, value=None, lifetime=lifetime, who=self.who)
        return found[0]

    def option(self, name: str) -> str | None:
        found = self._query("crm_config", name, None)
        return found[1] if found else None

    def set_option(self, name: str, value: str | None) -> str | None:
        found = self._query("crm_config", name, None)
        if value is None and found is None:
            return None
        self._call("cluster-option", name=name, value=value, who=self.who)
        return found[0] if found else None


def backend_from_env(env: os._Environ[str] | dict[str, str]) -> AttributeBackend:
    """The attribute backend for this process: the node daemon's socket when the
    daemon runs the agent, else node-local files."""
    if env.get("PACELINE_NODE_SOCKET"):
        return SocketAttributes(env["PACELINE_NODE_SOCKET"])
    return FileAttributes(root_from_env(env), cib_file(env))


def local_node(env: os._Environ[str] | dict[str, str]) -> str:
    return env.get("PACELINE_NODE") or env.get("OCF_RESKEY_CRM_meta_on_node") or os.uname().nodename


def cib_file(env: os._Environ[str] | dict[str, str]) -> Path:
    if env.get("CIB_file"):
        return Path(env["CIB_file"])
    if env.get("PACELINE_CIB"):
        return Path(env["PACELINE_CIB"])
    return root_from_env(env) / "var/lib/paceline/cib.xml"


def install_tools(directory: Path, python: str = sys.executable) -> Path:
    """Write the four commands into ``directory`` (idempotent) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in TOOLS:
        path = directory / name
        text = f"#!/bin/sh\nexec '{python}' -m paceline.executor.tools {name} \"$@\"\n"
        if not path.exists() or path.read_text() != text:
            tmp = path.with_suffix(".tmp")
            tmp.write_text(text)
            tmp.chmod(0o755)
            os.replace(tmp, path)
    return directory


# ------------------------------------------------------------------ crm_attribute


def _promotion_name(env: os._Environ[str] | dict[str, str], rsc: str | None) -> str:
    """``master-RSC``: the resource's id without a clone instance suffix."""
    instance = rsc or env.get("OCF_RESOURCE_INSTANCE", "")
    return "master-" + instance.split(":", 1)[0]


def _lifetime(args: argparse.Namespace) -> str:
    if args.lifetime in ("reboot", "status"):
        return "reboot"
    if args.lifetime in ("forever", "nodes"):
        return "forever"
    if args.type == "status":
        return "reboot"
    return "forever"


def crm_attribute(
    argv: Sequence[str],
    env: os._Environ[str] | dict[str, str],
    backend: AttributeBackend | None = None,
    prog: str = "crm_attribute",
) -> int:
    """``crm_attribute``'s verbs on ``backend`` (default: ``backend_from_env``)."""
    p = argparse.ArgumentParser(prog=prog, add_help=True)
    attribute_options(p)
    return run_attribute(p.parse_args(list(argv)), env, backend, prog)


def attribute_options(p: argparse.ArgumentParser) -> None:
    """``crm_attribute``'s options (``paceline attribute`` has the same)."""
    p.add_argument("-n", "--name")
    p.add_argument("-v", "--update", "--value", dest="value")
    p.add_argument("-G", "--query", action="store_true")
    p.add_argument("-D", "--delete", action="store_true")
    p.add_argument("-N", "--node")
    p.add_argument("-l", "--lifetime")
    p.add_argument("-t", "--type", "--scope", dest="type")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-d", "--default")
    p.add_argument("-p", "--promotion", nargs="?", const="", default=None)
    p.add_argument("-i", "--id")
    p.add_argument("-s", "--set-name")
    p.add_argument("-z", "--utilization", action="store_true")


def run_attribute(
    args: argparse.Namespace,
    env: os._Environ[str] | dict[str, str],
    backend: AttributeBackend | None,
    prog: str,
) -> int:
    if args.promotion is not None:
        name = _promotion_name(env, args.promotion or None)
        node = args.node or local_node(env)
        lifetime = _lifetime(args) if args.lifetime else "reboot"
        scope = "status" if lifetime == "reboot" else "nodes"
    elif args.node is not None or args.type in ("nodes", "status") or args.lifetime:
        name, node = args.name, args.node or local_node(env)
        lifetime = _lifetime(args)
        scope = "status" if lifetime == "reboot" else "nodes"
    else:
        return _cluster_option(args, backend or backend_from_env(env), prog)
    if not name:
        print(f"{prog}: an attribute name (-n) is required", file=sys.stderr)
        return CRM_EX_USAGE
    backend = backend or backend_from_env(env)
    if args.delete:
        gone = backend.delete(node, name, lifetime)
        if gone is not None and not args.quiet:
            print(f"Deleted {scope} attribute: id={gone} name={name}")
        return CRM_EX_OK
    if args.value is not None:
        backend.set(node, name, args.value, lifetime)
        return CRM_EX_OK
    value = backend.get(node, name, lifetime)
    return _print_value(scope, name, value, args, prog)


def _print_value(
    scope: str, name: str, value: str | None, args: argparse.Namespace, prog: str
) -> int:
    if value is None:
        value = args.default
    if value is None:
        print(f"{prog}: {NOSUCH_TEXT}", file=sys.stderr)
        return CRM_EX_NOSUCH
    print(value if args.quiet else f"scope={scope}  name={name} value={value}")
    return CRM_EX_OK


def _cluster_option(args: argparse.Namespace, backend: AttributeBackend, prog: str) -> int:
    """``crm_attribute -n NAME`` without a node: a cluster property (``crm_config``)."""
    if not args.name:
        print(f"{prog}: an attribute name (-n) is required", file=sys.stderr)
        return CRM_EX_USAGE
    if args.value is not None or args.delete:
        try:
            gone = backend.set_option(args.name, None if args.delete else args.value)
        except ReadOnly as exc:
            print(f"{prog}: {exc}", file=sys.stderr)
            return CRM_EX_USAGE
        if args.delete and gone is not None and not args.quiet:
            print(f"Deleted crm_config option: id={gone} name={args.name}")
        return CRM_EX_OK
    value = backend.option(args.name)
    return _print_value(args.type or "crm_config", args.name, value, args, prog)


def _cib_root(path: Path) -> object | None:
    from lxml import etree

    try:
        return etree.parse(str(path)).getroot()
    except (OSError, etree.XMLSyntaxError):
        return None


def _cib_nvpairs(path: Path, section: str) -> dict[str, str]:
    root = _cib_root(path)
    if root is None:
        return {}
    pairs = root.iterfind(f"configuration/{section}//nvpair")  # type: ignore[attr-defined]
    return {n.get("name"): n.get("value", "") for n in pairs}


# ------------------------------------------------------------------ crm_master


def crm_master(argv: Sequence[str], env: os._Environ[str] | dict[str, str]) -> int:
    """The promotion score of the resource the agent runs for (deprecated alias)."""
    p = argparse.ArgumentParser(prog="crm_master")
    p.add_argument("-v", "--update", dest="value")
    p.add_argument("-G", "--query", action="store_true")
    p.add_argument("-D", "--delete", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true")
    p.add_argument("-l", "--lifetime", default="forever")
    p.add_argument("-N", "--node")
    p.add_argument("-r", "--resource")
    args, _rest = p.parse_known_args(list(argv))
    forwarded = ["--promotion=" + (args.resource or ""), "-l", args.lifetime]
    if args.node:
        forwarded += ["-N", args.node]
    if args.quiet:
        forwarded.append("-q")
    if args.delete:
        forwarded.append("-D")
    elif args.value is not None:
        forwarded += ["-v", args.value]
    return crm_attribute(forwarded, env)


# ------------------------------------------------------------------ crm_node


def _cib_nodes(env: os._Environ[str] | dict[str, str]) -> list[tuple[str, str]]:
    root = _cib_root(cib_file(env))
    nodes: list[tuple[str, str]] = []
    if root is not None:
        for n in root.iterfind("configuration/nodes/node"):  # type: ignore[attr-defined]
            nodes.append((n.get("id", ""), n.get("uname", "")))
    me = local_node(env)
    if all(uname != me for _id, uname in nodes):
        nodes.append((str(len(nodes) + 1), me))
    return nodes


def crm_node(argv: Sequence[str], env: os._Environ[str] | dict[str, str]) -> int:
    p = argparse.ArgumentParser(prog="crm_node")
    p.add_argument("-n", "--name", action="store_true")
    p.add_argument("-N", "--name-for-id")
    p.add_argument("-i", "--cluster-id", action="store_true")
    p.add_argument("-l", "--list", action="store_true")
    p.add_argument("-p", "--partition", action="store_true")
    p.add_argument("-q", "--quorum", action="store_true")
    args = p.parse_args(list(argv))
    nodes = _cib_nodes(env)
    me = local_node(env)
    if args.name_for_id is not None:
        found = [uname for ident, uname in nodes if ident == args.name_for_id]
        if not found:
            print(NOSUCH_TEXT, file=sys.stderr)
            return CRM_EX_NOSUCH
        print(found[0])
    elif args.cluster_id:
        print(next(ident for ident, uname in nodes if uname == me))
    elif args.list:
        for ident, uname in nodes:
            print(f"{ident} {uname} member")
    elif args.partition:
        print(" ".join(uname for _ident, uname in nodes))
    elif args.quorum:
        print("1")
    else:
        print(me)
    return CRM_EX_OK


# ------------------------------------------------------------------ crm_resource


def crm_resource(argv: Sequence[str], env: os._Environ[str] | dict[str, str]) -> int:
    """``crm_resource -r RSC -g NAME [--meta]``: a resource's parameter from the CIB file."""
    p = argparse.ArgumentParser(prog="crm_resource")
    p.add_argument("-r", "--resource")
    p.add_argument("-g", "--get-parameter")
    p.add_argument("-m", "--meta", action="store_true")
    p.add_argument("-Q", "--quiet", action="store_true")
    p.add_argument("-l", "--list-raw", "--list", dest="list", action="store_true")
    args, _rest = p.parse_known_args(list(argv))
    root = _cib_root(cib_file(env))
    if args.list:
        if root is not None:
            for el in root.iterfind("configuration/resources//primitive"):  # type: ignore[attr-defined]
                print(el.get("id"))
        return CRM_EX_OK
    if not (args.resource and args.get_parameter):
        print("crm_resource: only -r RSC -g NAME [--meta] and --list work here", file=sys.stderr)
        return CRM_EX_USAGE
    section = "meta_attributes" if args.meta else "instance_attributes"
    value = None
    if root is not None:
        for el in root.iterfind("configuration/resources//*[@id]"):  # type: ignore[attr-defined]
            if el.get("id") == args.resource:
                for nv in el.iterfind(f"{section}/nvpair"):
                    if nv.get("name") == args.get_parameter:
                        value = nv.get("value", "")
    if value is None:
        print(f"Attribute '{args.get_parameter}' not found for '{args.resource}'", file=sys.stderr)
        return CRM_EX_NOSUCH
    print(value)
    return CRM_EX_OK


MAINS: dict[str, Callable[[Sequence[str], os._Environ[str] | dict[str, str]], int]] = {
    "crm_attribute": crm_attribute,
    "crm_master": crm_master,
    "crm_node": crm_node,
    "crm_resource": crm_resource,
}


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    if not words or words[0] not in MAINS:
        print(
            f"usage: python -m paceline.executor.tools {{{','.join(TOOLS)}}} ...", file=sys.stderr
        )
        return CRM_EX_USAGE
    return MAINS[words[0]](words[1:], os.environ)


if __name__ == "__main__":
    sys.exit(main())
