"""Versions compare as Pacemaker's (admin_epoch, epoch, num_updates); the
digest is stable across formatting and changes with the configuration."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cibtest import CORPUS

from paceline.cib.codec import decode_cib, encode_cib
from paceline.cib.model import Cib, CibVersion, Configuration, NvPair, NvSet
from paceline.cib.versions import (
    bump_admin_epoch,
    bump_epoch,
    bump_num_updates,
    config_digest,
    newest,
    parse_version,
    with_configuration,
)


def test_versions_compare_lexicographically() -> None:
    assert CibVersion(0, 5, 100) < CibVersion(0, 6, 0)
    assert CibVersion(1, 0, 0) > CibVersion(0, 99, 99)
    assert CibVersion(0, 6, 1) > CibVersion(0, 6, 0)
    assert sorted([CibVersion(1, 0, 0), CibVersion(0, 2, 3), CibVersion(0, 2, 1)]) == [
        CibVersion(0, 2, 1),
        CibVersion(0, 2, 3),
        CibVersion(1, 0, 0),
    ]


def test_bumps() -> None:
    cib = Cib(admin_epoch=0, epoch=4, num_updates=17)
    assert bump_epoch(cib).version == CibVersion(0, 5, 0)
    assert bump_num_updates(cib).version == CibVersion(0, 4, 18)
    assert bump_admin_epoch(cib).version == CibVersion(1, 0, 0)
    assert bump_epoch(cib).version > cib.version
    assert bump_num_updates(cib).version > cib.version


def test_with_configuration_bumps_only_on_change() -> None:
    cib = Cib(epoch=4, num_updates=17)
    assert with_configuration(cib, Configuration()) is cib
    changed = with_configuration(
        cib, Configuration(crm_config=(NvSet("o", (NvPair("o-1", "stonith-enabled", "0"),)),))
    )
    assert changed.version == CibVersion(0, 5, 0)
    assert changed.configuration.crm_config[0].id == "o"  # type: ignore[union-attr]


def test_newest() -> None:
    a = Cib(epoch=3, num_updates=9)
    b = Cib(epoch=4)
    c = Cib(admin_epoch=1)
    assert newest(a, b) is b
    assert newest(a, b, c) is c
    assert newest(a, replace(a, dc_uuid="x")) is a  # ties keep the first
    with pytest.raises(ValueError):
        newest()


def test_parse_version() -> None:
    assert parse_version("0.5.12") == CibVersion(0, 5, 12)
    assert str(CibVersion(0, 5, 12)) == "0.5.12"
    for bad in ("0.5", "a.b.c", "1.2.3.4", "-1.2.3"):
        with pytest.raises(ValueError):
            parse_version(bad)


def test_digest_stable_across_formatting_and_status() -> None:
    data = (CORPUS / "1360.xml").read_bytes()
    cib = decode_cib(data)
    digest = config_digest(cib.configuration)
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert config_digest(decode_cib(encode_cib(cib)).configuration) == digest
    # Versions and status are not part of it.
    assert config_digest(bump_num_updates(bump_epoch(cib)).configuration) == digest
    # "+INFINITY" and "INFINITY" are the same score.
    assert b'"INFINITY"' in data
    same = decode_cib(data.replace(b'"INFINITY"', b'"+INFINITY"'))
    assert config_digest(same.configuration) == digest


def test_digest_changes_with_configuration() -> None:
    cib = decode_cib((CORPUS / "1360.xml").read_bytes())
    cfg = cib.configuration
    other = replace(cfg, crm_config=(*cfg.crm_config, NvSet("extra")))
    assert config_digest(other) != config_digest(cfg)
    assert config_digest(Configuration()) != config_digest(cfg)


def test_digest_differs_across_corpus() -> None:
    """Different configurations get different digests (no accidental constant)."""
    files = sorted(CORPUS.glob("*.xml"))[:40]
    cibs = [decode_cib(p.read_bytes()) for p in files]
    configs = {c.configuration: config_digest(c.configuration) for c in cibs}
    assert len(set(configs.values())) == len(configs)
