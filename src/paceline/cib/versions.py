"""CIB versions and the configuration digest.

Pacemaker orders CIBs by ``(admin_epoch, epoch, num_updates)``
lexicographically (``CibVersion`` compares that way). ``epoch`` grows on every
configuration change and resets ``num_updates``; ``num_updates`` grows on any
other change (status). The digest is a SHA-256 over the canonical XML (C14N)
of the configuration section as we write it, so it is stable across
formatting and legacy spellings of the same configuration; the store keeps
it in ``cib.xml.sig`` next to ``cib.xml``, as Pacemaker does.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace

from lxml import etree

from paceline.cib.codec.encode import configuration_to_element
from paceline.cib.model.cib import Cib, CibVersion
from paceline.cib.model.config import Configuration


def bump_epoch(cib: Cib) -> Cib:
    """The CIB after a configuration change: epoch + 1, num_updates 0."""
    return replace(cib, epoch=cib.epoch + 1, num_updates=0)


def bump_num_updates(cib: Cib) -> Cib:
    """The CIB after a change outside the configuration (status)."""
    return replace(cib, num_updates=cib.num_updates + 1)


def bump_admin_epoch(cib: Cib) -> Cib:
    """An administrator forcing this configuration to win: admin_epoch + 1,
    epoch and num_updates reset."""
    return replace(cib, admin_epoch=cib.admin_epoch + 1, epoch=0, num_updates=0)


def with_configuration(cib: Cib, configuration: Configuration) -> Cib:
    """Replace the configuration; bumps the epoch only if it actually changed."""
    if configuration == cib.configuration:
        return cib
    return bump_epoch(replace(cib, configuration=configuration))


def newest(*cibs: Cib) -> Cib:
    """The CIB a cluster adopts: the highest version (the first one on ties)."""
    if not cibs:
        raise ValueError("newest() needs at least one CIB")
    best = cibs[0]
    for cib in cibs[1:]:
        if cib.version > best.version:
            best = cib
    return best


def parse_version(text: str) -> CibVersion:
    """``"admin_epoch.epoch.num_updates"`` (as ``str(CibVersion)`` prints it)."""
    parts = text.strip().split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ValueError(f"not a CIB version: {text!r} (expected A.E.N)")
    return CibVersion(int(parts[0]), int(parts[1]), int(parts[2]))


def canonical_configuration(configuration: Configuration) -> bytes:
    """The canonical (C14N) XML of the configuration section."""
    return etree.tostring(configuration_to_element(configuration), method="c14n")


def config_digest(configuration: Configuration) -> str:
    """Hex SHA-256 of ``canonical_configuration``."""
    return hashlib.sha256(canonical_configuration(configuration)).hexdigest()
