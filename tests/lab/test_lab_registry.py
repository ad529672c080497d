"""The lab registry on a scratch directory (plain files: no root needed)."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from paceline.core.errors import ConfigError
from paceline.lab.impair import Impairments
from paceline.lab.registry import LabRecord, PowerInfo, Registry


def FREE(index: int) -> bool:
    return False


def make(name: str) -> Callable[[int], LabRecord]:
    def build(index: int) -> LabRecord:
        return LabRecord(
            name=name, index=index, nodes=2, rings=1, arbitrator=False, scenario="bare",
            labdir=f"/tmp/x/pl{index}", checkout="/src", owner="test", owner_pid=1, created=0.0,
        )  # fmt: skip

    return build


def test_indexes_are_allocated_lowest_first_and_reused(tmp_path: Path) -> None:
    reg = Registry(tmp_path, occupied=FREE)
    assert [reg.create(make(n)).index for n in ("a", "b", "c")] == [0, 1, 2]
    reg.remove("b")
    assert reg.create(make("d")).index == 1
    assert [r.name for r in reg.records()] == ["a", "d", "c"]
    assert reg.require("d").prefix == "pl1"


def test_a_name_is_taken_once(tmp_path: Path) -> None:
    reg = Registry(tmp_path, occupied=FREE)
    reg.create(make("a"))
    with pytest.raises(ConfigError, match="exists"):
        reg.create(make("a"))
    assert len(reg.records()) == 1


def test_concurrent_creators_get_distinct_indexes(tmp_path: Path) -> None:
    reg = Registry(tmp_path, occupied=FREE)
    got: list[int] = []
    threads = [
        threading.Thread(
            target=lambda n=n: got.append(
                Registry(tmp_path, occupied=FREE).create(make(f"l{n}")).index
            )
        )
        for n in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(8))
    assert len(reg.records()) == 8


def test_records_round_trip_with_every_field(tmp_path: Path) -> None:
    reg = Registry(tmp_path, occupied=FREE)
    reg.create(make("a"))
    rec = reg.set(
        "a",
        power=PowerInfo("198.18.10.1", 8443, "paceline", "s3cret", pid=42),
        inits={"node1": 10},
        loops={"node1": ("/dev/loop3 8:1 1234",)},
        pulled=("rep1-2",),
        frozen=("node2",),
        impairments=Impairments().with_loss("rep1-2", 7),
    )
    assert reg.require("a") == rec
    assert (tmp_path / "a.json").stat().st_mode & 0o077 == 0  # the secret stays root's


def test_indexes_in_use_on_the_host_are_skipped(tmp_path: Path) -> None:
    reg = Registry(tmp_path, occupied=lambda i: i in (0, 2))
    assert [reg.create(make(n)).index for n in ("a", "b")] == [1, 3]


def test_unknown_lab_and_bad_record(tmp_path: Path) -> None:
    reg = Registry(tmp_path, occupied=FREE)
    with pytest.raises(ConfigError, match="no such lab"):
        reg.require("nope")
    reg.create(make("a"))
    data = (tmp_path / "a.json").read_text().replace('"format": 1', '"format": 99')
    (tmp_path / "a.json").write_text(data)
    with pytest.raises(Exception, match="unknown format"):
        reg.get("a")


def test_update_is_read_modify_write(tmp_path: Path) -> None:
    reg = Registry(tmp_path, occupied=FREE)
    reg.create(make("a"))
    for i in range(5):

        def add(r: LabRecord, i: int = i) -> LabRecord:
            return dataclasses.replace(r, inits={**r.inits, f"node{i}": i})

        reg.update("a", add)
    assert reg.require("a").inits == {f"node{i}": i for i in range(5)}


def test_a_bad_lab_shape_is_refused_before_it_is_recorded(tmp_path: Path) -> None:
    from paceline.lab.lab import Lab

    reg = Registry(tmp_path, occupied=FREE)
    with pytest.raises(ConfigError) as err:
        Lab.up("shape", 9, registry=reg)
    assert err.value.field == "--nodes"
    with pytest.raises(ConfigError, match="unknown scenario"):
        Lab.up("shape", 2, scenario_name="lampp", registry=reg)
    assert reg.records() == []
