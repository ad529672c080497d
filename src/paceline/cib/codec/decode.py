"""XML text -> ``Cib``. Every failure is a ``ConfigError`` with file and line."""

from __future__ import annotations

import re

from lxml import etree

from paceline.cib.codec.comments import adopt_comments
from paceline.cib.codec.decode_config import decode_configuration
from paceline.cib.codec.decode_status import decode_status
from paceline.cib.codec.positions import SourceText
from paceline.cib.codec.reader import Context, Reader
from paceline.cib.codec.sources import remember_source
from paceline.cib.model.cib import Cib
from paceline.cib.model.config import Configuration
from paceline.cib.model.status import Status
from paceline.cib.upgrade import needs_upgrade, upgrade_configuration
from paceline.core.errors import ConfigError

_SCHEMA_NAME = re.compile(r"none|pacemaker-(\d+\.\d+|next)|transitional-0\.6")

# Informational root attributes of pre-1.0 CIBs that the upgrade drops.
_LEGACY_ROOT = ("generated", "ccm_transition", "cib_feature_revision", "num_peers", "ignore_dtd")


def _parser() -> etree.XMLParser:
    # No DTD loading, no network, no huge trees: a CIB never needs them.
    return etree.XMLParser(remove_blank_text=True, load_dtd=False, no_network=True, huge_tree=False)


def parse_element(data: bytes | str, *, file: str | None = None) -> etree._Element:
    """Parse XML text to an element (with line numbers), or raise ConfigError."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        tree = etree.fromstring(raw, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise ConfigError(
            f"not well-formed XML: {exc.msg}",
            file=file,
            line=line,
            column=column,
            expected="a complete XML document",
        ) from None
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise ConfigError("a CIB must not have a DOCTYPE", file=file, line=1, expected="no DOCTYPE")
    return tree.getroot()


def decode_cib(data: bytes | str, *, file: str | None = None) -> Cib:
    """Read a whole CIB document. ``file`` is only used to name it in errors."""
    cib = cib_from_element(parse_element(data, file=file), file=file, source=data)
    remember_source(cib, data, file)
    return cib


def cib_from_element(
    el: etree._Element, *, file: str | None = None, source: bytes | str | None = None
) -> Cib:
    """A ``Cib`` from a parsed ``<cib>``; ``source``, the text it was parsed
    from, gives errors their column."""
    el = adopt_comments(el)
    schema = el.get("validate-with")
    text = SourceText(source) if source is not None else None
    ctx = Context(file, unvalidated=schema == "none", source=text)
    if el.tag != "cib":
        raise ctx.error(el, f"the root element is <{el.tag}>", field=str(el.tag), expected="<cib>")
    r = Reader(ctx, el)
    r.opt("validate-with")
    if schema is not None and not _SCHEMA_NAME.fullmatch(schema):
        raise ctx.error(
            el,
            "unknown schema in 'validate-with'",
            field="cib/@validate-with",
            text=schema,
            expected="none or pacemaker-X.Y",
        )
    admin_epoch = r.req_int("admin_epoch")
    epoch = r.req_int("epoch")
    num_updates = r.req_int("num_updates")
    crm_feature_set = r.opt("crm_feature_set")
    have_quorum = r.opt_bool("have-quorum")
    dc_uuid = r.opt("dc-uuid")
    cib_last_written = r.opt("cib-last-written")
    update_origin = r.opt("update-origin")
    update_client = r.opt("update-client")
    update_user = r.opt("update-user")
    execution_date = r.opt_int("execution-date")
    no_quorum_panic = r.opt_bool("no-quorum-panic")
    remote_tls_port = r.opt_int("remote-tls-port")
    remote_clear_port = r.opt_int("remote-clear-port")
    r.drop(*_LEGACY_ROOT)
    r.done()
    configuration: Configuration | None = None
    status: Status | None = None
    for child in r.children():
        if child.tag == "configuration":
            if configuration is not None:
                raise r.duplicate(child)
            configuration = decode_configuration(ctx, child)
        elif child.tag == "status":
            if status is not None:
                raise r.duplicate(child)
            status = decode_status(ctx, child)
        else:
            raise r.unknown_child(child, "<configuration> or <status>")
    if configuration is None:
        raise r.missing("a <configuration> section")
    notes: tuple[str, ...] = ()
    if needs_upgrade(schema):
        configuration, notes = upgrade_configuration(configuration)
    return Cib(
        configuration=configuration,
        status=status if status is not None else Status(),
        admin_epoch=admin_epoch,
        epoch=epoch,
        num_updates=num_updates,
        crm_feature_set=crm_feature_set,
        have_quorum=have_quorum,
        dc_uuid=dc_uuid,
        cib_last_written=cib_last_written,
        update_origin=update_origin,
        update_client=update_client,
        update_user=update_user,
        execution_date=execution_date,
        no_quorum_panic=no_quorum_panic,
        remote_tls_port=remote_tls_port,
        remote_clear_port=remote_clear_port,
        source_schema=schema,
        upgrade_notes=notes,
    )
