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

from typing import Any

from paceline.cib.model import (
    BundleNetwork,
    Container,
    ContainerEngine,
    NvSetItem,
    PortMapping,
    StorageMapping,
)
from paceline.cib.model.attributes import (
    CONTAINER,
    NETWORK,
    PORT_MAPPING,
    STORAGE_MAPPING,
    AttrTable,
)
from paceline.cib.values import parse_bool
from paceline.crm.grammar import Parser
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


Given = dict[str, tuple[str, Token]]


def _typed(p: Parser, table: AttrTable, given: Given, what: str) -> dict[str, Any]:
    """The values of ``given`` (crm name -> (text, token)) by field of ``table``,
    typed as the table says; a name the table does not know is an error."""
    known = table.names()
    for name, (_value, token) in given.items():
        if name not in known:
            raise p.error(f"unknown {what} attribute {name!r}", token, ", ".join(sorted(known)))
    values: dict[str, Any] = {}
    for a in table.attrs:
        found = next((given[n] for n in (a.crm, *a.aliases) if n in given), None)
        if found is None:
            values[a.field] = None
        elif a.kind == "integer":
            values[a.field] = _int(p, *found)
        elif a.kind == "boolean":
            values[a.field] = parse_bool(found[0])
            if values[a.field] is None:
                raise p.error(f"{a.crm} must be a boolean", found[1], "true or false")
        else:
            values[a.field] = found[0]
    return values


def _container(p: Parser, engine: Token) -> Container:
    given: Given = {name: (value, token) for name, value, token in _pairs(p)}
    values = _typed(p, CONTAINER, given, engine.text)
    if values["image"] is None:
        raise p.error(f"{engine.text} needs an image", engine, "image=<image>")
    return Container(ContainerEngine(engine.text.lower()), **values)


def _network(p: Parser, bundle_id: str) -> BundleNetwork:
    own: Given = {}
    mappings: list[Given] = []
    for name, value, token in _pairs(p):
        if name == "port-mapping" and not value:
            mappings.append({})
        elif mappings:
            mappings[-1][name] = (value, token)
        else:
            own[name] = (value, token)
    ports = []
    for mapping in mappings:
        values = _typed(p, PORT_MAPPING, mapping, "port-mapping")
        if values["id"] is None:
            values["id"] = p.ids.new(bundle_id)
        ports.append(PortMapping(**values))
    return BundleNetwork(**_typed(p, NETWORK, own, "network"), port_mappings=tuple(ports))


def _storage(p: Parser, bundle_id: str, keyword: Token) -> tuple[StorageMapping, ...]:
    mappings: list[Given] = []
    for name, value, token in _pairs(p):
        if name == "storage-mapping" and not value:
            mappings.append({})
        elif not mappings:
            raise p.error(
                "expected storage-mapping", token, "storage storage-mapping id=... target-dir=..."
            )
        else:
            mappings[-1][name] = (value, token)
    out = []
    for mapping in mappings:
        values = _typed(p, STORAGE_MAPPING, mapping, "storage-mapping")
        if values["target_dir"] is None:
            raise p.error("a storage-mapping needs target-dir", keyword, "target-dir=<path>")
        if not values["id"]:
            values["id"] = p.ids.new(bundle_id)
        out.append(StorageMapping(**values))
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
