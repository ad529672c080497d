"""One table of the flat attributes of a bundle's parts: which dataclass field
holds which XML attribute (and crm keyword), of which kind.

The XML encoder and decoder (``cib.codec``) and the crm printer and parser
(``crm.printer``, ``crm.parse_bundle``) all iterate these tables, so an
attribute is spelled once: a field added to a dataclass and its row here is
read, written, printed and parsed with no other change
(``tests/cib/test_cib_attributes.py`` holds each row to all four).

``printed`` is the rank in crm's output (crmsh's order, which is not the
XML's); ``aliases`` are legacy XML names read into the same field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from paceline.cib.model.resources import BundleNetwork, Container, PortMapping, StorageMapping

Kind = Literal["text", "integer", "boolean"]


@dataclass(frozen=True, slots=True)
class Attr:
    field: str
    xml: str
    kind: Kind = "text"
    required: bool = False
    printed: int = 0
    aliases: tuple[str, ...] = ()

    @property
    def crm(self) -> str:
        """The crm keyword: the XML name (crm writes ``name=value`` as the XML does)."""
        return self.xml


@dataclass(frozen=True, slots=True)
class AttrTable:
    """The attributes of one element, in the order the XML encoder writes them."""

    element: str
    model: type
    attrs: tuple[Attr, ...]

    def by_print_order(self) -> tuple[Attr, ...]:
        return tuple(sorted(self.attrs, key=lambda a: a.printed))

    def names(self) -> frozenset[str]:
        """Every name the XML or crm text may use (aliases included)."""
        return frozenset(n for a in self.attrs for n in (a.xml, *a.aliases))


CONTAINER = AttrTable(
    "docker|podman|rkt",
    Container,
    (
        Attr("image", "image", required=True, printed=0),
        Attr("replicas", "replicas", "integer", printed=4),
        Attr("replicas_per_host", "replicas-per-host", "integer", printed=5),
        Attr("promoted_max", "promoted-max", "integer", printed=1, aliases=("masters",)),
        Attr("run_command", "run-command", printed=6),
        Attr("network", "network", printed=2),
        Attr("options", "options", printed=3),
    ),
)

NETWORK = AttrTable(
    "network",
    BundleNetwork,
    (
        Attr("ip_range_start", "ip-range-start", printed=0),
        Attr("control_port", "control-port", "integer", printed=3),
        Attr("host_interface", "host-interface", printed=1),
        Attr("host_netmask", "host-netmask", "integer", printed=2),
        Attr("add_host", "add-host", "boolean", printed=4),
    ),
)

PORT_MAPPING = AttrTable(
    "port-mapping",
    PortMapping,
    (
        Attr("id", "id", required=True),
        Attr("port", "port", "integer"),
        Attr("internal_port", "internal-port", "integer"),
        Attr("range", "range"),
    ),
)

STORAGE_MAPPING = AttrTable(
    "storage-mapping",
    StorageMapping,
    (
        Attr("id", "id", required=True, printed=0),
        Attr("source_dir", "source-dir", printed=2),
        Attr("source_dir_root", "source-dir-root", printed=3),
        Attr("target_dir", "target-dir", required=True, printed=4),
        Attr("options", "options", printed=1),
    ),
)

BUNDLE_TABLES = (CONTAINER, NETWORK, PORT_MAPPING, STORAGE_MAPPING)
