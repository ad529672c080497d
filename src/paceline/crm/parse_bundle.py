"""The ``bundle`` statement.

``bundle <id> [description=] [meta ...] [params ...]
(docker|podman|rkt) image=<image> [replicas=] [replicas-per-host=] [promoted-max=]
[run-command=] [network=] [options=]
[network [ip-range-start=] [control-port=] [host-interface=] [host-netmask=] [add-host=]
         [port-mapping id= port= [internal-port=] | port-mapping id= range=] ...]
[storage [storage-mapping id= (source-dir=|source-dir-root=) target-dir= [options=]] ...]
[primitive <id>]``

``primitive <id>`` names a primitive defined by its own statement, as crmsh
writes it.
"""

from __future__ import annotations

from paceline.cib.model import (
    BundleNetwork,
    Container,
    ContainerEngine,
    NvSetItem,
    PortMapping,
    StorageMapping,
)
from paceline.crm.grammar import Parser, parse_bool
from paceline.crm.lexer import Token
from paceline.crm.statements import BundleDef

__all__ = ["parse_bundle"]

_ENGINES = tuple(engine.value for engine in ContainerEngine)
_PARTS = (*_ENGINES, "network", "storage", "primitive", "meta", "params")


def _pairs(p: Parser) -> list[tuple[str, str, Token]]:
    """``name=value`` words (and bare words) up to the next bundle part."""
    out: list[tuple[str, str, Token]] = []
    while (token := p.cursor.peek()) is not None and not p.cursor.peek_keyword(*_PARTS):
        p.cursor.pos += 1
        name, _, value = token.text.partition("=")
        out.append((name, value, token))
    return out


def _int(p: Parser, value: str, token: Token) -> int:
    try:
        return int(value)
    except ValueError:
        raise p.error(f"{token.text.partition('=')[0]} must be a number", token) from None


def _container(p: Parser, engine: Token) -> Container:
    fields: dict[str, str] = {}
    tokens: dict[str, Token] = {}
    for name, value, token in _pairs(p):
        fields[name] = value
        tokens[name] = token
    known = {
        "image",
        "replicas",
        "replicas-per-host",
        "promoted-max",
        "masters",
        "run-command",
        "network",
        "options",
    }
    for name, token in tokens.items():
        if name not in known:
            raise p.error(
                f"unknown {engine.text} attribute {name!r}", token, ", ".join(sorted(known))
            )
    if "image" not in fields:
        raise p.error(f"{engine.text} needs an image", engine, "image=<image>")

    def number(name: str) -> int | None:
        return None if name not in fields else _int(p, fields[name], tokens[name])

    promoted = number("promoted-max")
    return Container(
        ContainerEngine(engine.text.lower()),
        fields["image"],
        replicas=number("replicas"),
        replicas_per_host=number("replicas-per-host"),
        promoted_max=promoted if promoted is not None else number("masters"),
        run_command=fields.get("run-command"),
        network=fields.get("network"),
        options=fields.get("options"),
    )


def _network(p: Parser, bundle_id: str) -> BundleNetwork:
    own: dict[str, tuple[str, Token]] = {}
    mappings: list[dict[str, tuple[str, Token]]] = []
    for name, value, token in _pairs(p):
        if name == "port-mapping" and not value:
            mappings.append({})
        elif mappings:
            mappings[-1][name] = (value, token)
        else:
            own[name] = (value, token)
    ports = []
    for mapping in mappings:
        port = mapping.get("port")
        internal = mapping.get("internal-port")
        ident = mapping["id"][0] if "id" in mapping else p.ids.new(bundle_id)
        ports.append(
            PortMapping(
                ident,
                port=None if port is None else _int(p, *port),
                internal_port=None if internal is None else _int(p, *internal),
                range=mapping["range"][0] if "range" in mapping else None,
            )
        )
    add_host = None
    if "add-host" in own:
        add_host = parse_bool(own["add-host"][0])
        if add_host is None:
            raise p.error("add-host must be a boolean", own["add-host"][1], "true or false")
    control = own.get("control-port")
    netmask = own.get("host-netmask")
    return BundleNetwork(
        ip_range_start=own["ip-range-start"][0] if "ip-range-start" in own else None,
        control_port=None if control is None else _int(p, *control),
        host_interface=own["host-interface"][0] if "host-interface" in own else None,
        host_netmask=None if netmask is None else _int(p, *netmask),
        add_host=add_host,
        port_mappings=tuple(ports),
    )


def _storage(p: Parser, bundle_id: str, keyword: Token) -> tuple[StorageMapping, ...]:
    mappings: list[dict[str, str]] = []
    for name, value, token in _pairs(p):
        if name == "storage-mapping" and not value:
            mappings.append({})
        elif not mappings:
            raise p.error(
                "expected storage-mapping", token, "storage storage-mapping id=... target-dir=..."
            )
        else:
            mappings[-1][name] = value
    out = []
    for mapping in mappings:
        if "target-dir" not in mapping:
            raise p.error("a storage-mapping needs target-dir", keyword, "target-dir=<path>")
        out.append(
            StorageMapping(
                mapping.get("id") or p.ids.new(bundle_id),
                mapping["target-dir"],
                source_dir=mapping.get("source-dir"),
                source_dir_root=mapping.get("source-dir-root"),
                options=mapping.get("options"),
            )
        )
    return tuple(out)


def parse_bundle(p: Parser) -> BundleDef:
    cursor = p.cursor
    id_token = cursor.peek()
    bundle_id = p.object_id("bundle", "a bundle id")
    description = p.description()
    container: Container | None = None
    network: BundleNetwork | None = None
    storage: tuple[StorageMapping, ...] | None = None
    primitive: str | None = None
    meta: list[NvSetItem] = []
    params: list[NvSetItem] = []
    while (keyword := cursor.take_keyword(*_PARTS)) is not None:
        word = keyword.text.lower()
        if word in _ENGINES:
            container = _container(p, keyword)
        elif word == "network":
            network = _network(p, bundle_id)
        elif word == "storage":
            storage = _storage(p, bundle_id, keyword)
        elif word == "primitive":
            primitive, token = p.identifier("the id of the bundled primitive")
            p.refer(primitive, "bundled primitive", token)
        elif word == "meta":
            meta.append(p.attr_list(bundle_id, "meta_attributes", terminators=_PARTS))
        else:
            params.append(p.attr_list(bundle_id, "instance_attributes", terminators=_PARTS))
    cursor.finish("docker, podman, rkt, network, storage, primitive, meta or params")
    if container is None:
        raise p.error("a bundle needs a container", id_token, "docker|podman|rkt image=<image>")
    return BundleDef(
        bundle_id,
        container,
        description,
        tuple(meta),
        tuple(params),
        network,
        storage,
        primitive,
    )
