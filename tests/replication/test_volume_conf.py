"""Reading .res files from disk: volumes.d first, else drbd.conf with its includes."""

from __future__ import annotations

from pathlib import Path

import pytest

from paceline.core.errors import ConfigError
from paceline.runtime.volume_conf import config_files, load

RES = "resource {name} {{ on a {{ device minor {minor}; address 198.18.0.1:7789; }} on b {{ device minor {minor}; address 198.18.0.2:7789; }} }}\n"


def test_drbd_conf_with_includes(tmp_path: Path) -> None:
    (tmp_path / "etc/drbd.d").mkdir(parents=True)
    (tmp_path / "etc/drbd.conf").write_text(
        'include "drbd.d/global_common.conf";\ninclude "drbd.d/*.res";\n'
    )
    (tmp_path / "etc/drbd.d/global_common.conf").write_text("common { protocol A; }\n")
    (tmp_path / "etc/drbd.d/r0.res").write_text(RES.format(name="r0", minor=0))
    (tmp_path / "etc/drbd.d/r1.res").write_text(RES.format(name="r1", minor=1))
    cfg = load(root=tmp_path)
    assert sorted(cfg.resources) == ["r0", "r1"]
    assert cfg.resources["r1"].protocol == "A"  # common from another file applies
    assert cfg.resources["r1"].file == str(tmp_path / "etc/drbd.d/r1.res")


def test_volumes_d_wins_and_errors_name_the_file(tmp_path: Path) -> None:
    (tmp_path / "etc/paceline/volumes.d").mkdir(parents=True)
    (tmp_path / "etc/drbd.conf").write_text(RES.format(name="old", minor=0))
    bad = tmp_path / "etc/paceline/volumes.d/r2.res"
    bad.write_text("resource r2 {\n  net { protocol Z; }\n}\n")
    assert config_files(tmp_path) == [bad]
    with pytest.raises(ConfigError) as info:
        load(root=tmp_path)
    assert (info.value.file, info.value.line, info.value.column) == (str(bad), 2, 9)


def test_nothing_configured(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no volume configuration"):
        load(root=tmp_path)
