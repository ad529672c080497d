"""The .res parser: DRBD's syntax, 8.3 syncer mapping, errors with file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from paceline.core.errors import ConfigError
from paceline.replication import resconf

R0 = """
resource r1 {
  protocol A;
  net { cram-hmac-alg sha1; shared-secret "s3cr3t"; csums-alg md5; fencing resource-only; }
  disk { on-io-error detach; resync-rate 40M; }
  handlers { fence-peer "/usr/lib/paceline/fence-peer"; split-brain "notify root"; }
  on alpha { device /dev/drbd3; disk /dev/vg/a; address 198.18.0.1:7790; meta-disk /dev/vg/md[2]; }
  on beta { device minor 3; disk /dev/vg/b; address ipv4 198.18.0.2:7790; meta-disk internal; }
}
"""


def test_reference_r0_loads(shared_dir: Path) -> None:
    path = shared_dir / "reference" / "r0.res"
    cfg = resconf.parse(path.read_text(), str(path))
    r0 = cfg.resources["r0"]
    assert r0.protocol == "C"
    assert r0.net["allow-two-primaries"] is True
    assert r0.net["verify-alg"] == "sha1"  # from syncer {}
    assert r0.disk["resync-rate"] == 100 * 1024  # 100M in KiB/s
    assert (r0.net["after-sb-0pri"], r0.net["after-sb-1pri"], r0.net["after-sb-2pri"]) == (
        "discard-younger-primary",
        "discard-secondary",
        "call-pri-lost-after-sb",
    )
    node1 = r0.host("node1")
    assert (node1.device, node1.minor, node1.meta_disk) == ("/dev/drbd1", 1, "internal")
    assert node1.disk == "/dev/mapper/cluster-webcluster"
    assert str(node1.address) == "10.0.0.1:7789"
    assert r0.peer_of("node1").name == "node2"
    assert "syncer rate -> disk resync-rate" in r0.notes


def test_84_options_and_hosts() -> None:
    r1 = resconf.parse(R0, "r1.res").resources["r1"]
    assert r1.protocol == "A"
    assert r1.net["shared-secret"] == "s3cr3t"
    assert r1.fencing() == "resource-only"
    assert r1.disk["resync-rate"] == 40 * 1024
    a, b = r1.host("alpha"), r1.host("beta")
    assert (a.minor, a.meta_disk, a.meta_index) == (3, "/dev/vg/md", 2)
    assert (b.device, b.minor, b.address.port if b.address else None) == ("/dev/drbd3", 3, 7790)
    assert r1.handlers["fence-peer"] == "/usr/lib/paceline/fence-peer"


def test_common_applies_across_files_and_resource_overrides() -> None:
    common = "common { protocol B; net { after-sb-0pri discard-zero-changes; } }"
    res = "resource r { net { protocol C; } on a { device minor 0; address 198.18.0.1:1; } on b { device minor 0; address 198.18.0.2:1; } }"
    cfg = resconf.parse_many([(common, "global_common.conf"), (res, "r.res")])
    r = cfg.resources["r"]
    assert r.protocol == "C"
    assert r.net["after-sb-0pri"] == "discard-zero-changes"


def test_drbd9_two_node_subset() -> None:
    text = """resource r9 {
      net { fencing resource-only; }
      options { auto-promote no; quorum off; }
      on a { node-id 0; volume 0 { device minor 5; disk /dev/x; meta-disk internal; } address 198.18.0.1:7000; }
      on b { node-id 1; volume 0 { device minor 5; disk /dev/y; meta-disk internal; } address 198.18.0.2:7000; }
      connection { host a; host b; }
    }"""
    r = resconf.parse(text).resources["r9"]
    assert r.host("b").node_id == 1 and r.host("b").minor == 5 and r.fencing() == "resource-only"


@pytest.mark.parametrize(
    ("text", "where", "field"),
    [
        ("resource r {\n  net { after-sb-1pri bogus; }\n}", (2, 9), "after-sb-1pri"),
        ("resource r {\n  on a { address 198.18.0.1; device minor 1; }\n}", (2, 10), "address"),
        ("resource r {\n  disk { resync-rate fast; }\n}", (2, 10), "resync-rate"),
        ("resource r {\n  net { no-such-thing; }\n}", (2, 9), "no-such-thing"),
        ("resource r {\n  on a { device minor 1 }\n}", (2, 25), "device"),
        ("global { usage-count yes; }\nresource r {\n  syncer { speed 3; }\n}", (3, 12), "speed"),
        ("resource r {\n  on a { device /dev/sda; }\n}", (2, 10), "device"),
    ],
)
def test_errors_name_file_line_column_field(text: str, where: tuple[int, int], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        resconf.parse(text, "bad.res")
    err = info.value
    assert (err.file, err.line, err.column) == ("bad.res", *where), str(err)
    assert err.field == field or field in str(err)


def test_unterminated_section_and_string() -> None:
    with pytest.raises(ConfigError, match="end of file"):
        resconf.parse("resource r {", "x.res")
    with pytest.raises(ConfigError, match="unterminated"):
        resconf.parse('resource r { handlers { split-brain "x; } }', "x.res")


def test_missing_host_is_a_config_error() -> None:
    r = resconf.parse(R0).resources["r1"]
    with pytest.raises(ConfigError, match="no 'on gamma' section"):
        r.host("gamma")


def test_sizes() -> None:
    assert resconf.parse_size("100M", 1024) == 102400
    assert resconf.parse_size("250", 1024) == 250
    assert resconf.parse_size("1G", 1024) == 1024 * 1024
    with pytest.raises(ValueError):
        resconf.parse_size("1X", 1024)
