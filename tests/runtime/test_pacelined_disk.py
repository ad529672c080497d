"""The node daemon's write-behind persistence (``runtime.pacelined.DiskWriter``).

Real files through ``cib.store``: handing a CIB over does not write it in
the caller (the event loop goes on to start agents); a burst of versions
becomes one write of the newest; every scheduler input is written, in
order; a failing write is reported and the next one still happens.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from paceline.cib.model import Cib
from paceline.cib.store import read_cib, write_cib
from paceline.cib.versions import bump_epoch
from paceline.runtime.pacelined import MAX_INPUTS, DiskWriter, save_input


def versions(n: int) -> list[Cib]:
    out, cib = [], Cib()
    for _ in range(n):
        cib = bump_epoch(cib)
        out.append(cib)
    return out


def writer(tmp_path: Path, said: list[str]) -> DiskWriter:
    (tmp_path / "pe").mkdir()
    return DiskWriter(
        lambda cib: write_cib(tmp_path / "cib.xml", cib),
        lambda seq, cib: save_input(tmp_path / "pe", seq, cib),
        said.append,
    )


def test_a_handed_over_cib_is_written_later_and_a_burst_once_as_the_newest(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        w = writer(tmp_path, [])
        cibs = versions(5)
        for cib in cibs:
            w.cib(cib)
        assert not (tmp_path / "cib.xml").exists()  # not in the caller: the loop goes on
        await w.drain()
        assert read_cib(tmp_path / "cib.xml").version == cibs[-1].version
        assert w.writes == 1 and w.coalesced == 4

    asyncio.run(main())


def test_every_scheduler_input_is_written_in_order(tmp_path: Path) -> None:
    async def main() -> None:
        w = writer(tmp_path, [])
        cibs = versions(3)
        for seq, cib in enumerate(cibs, start=1):
            w.input(seq, cib)
            await asyncio.sleep(0)
        w.input(MAX_INPUTS + 1, cibs[0])  # the one MAX_INPUTS older goes
        await w.drain()
        names = sorted(p.name for p in (tmp_path / "pe").iterdir())
        assert names == [f"pe-input-{n}.xml" for n in (MAX_INPUTS + 1, 2, 3)]
        assert read_cib(tmp_path / "pe" / "pe-input-3.xml", verify=False).version == cibs[2].version

    asyncio.run(main())


def test_a_failed_write_is_reported_and_the_next_one_happens(tmp_path: Path) -> None:
    async def main() -> None:
        said: list[str] = []
        w = writer(tmp_path, said)
        (tmp_path / "cib.xml").mkdir()  # the path cannot be written as a file
        first, second = versions(2)
        w.cib(first)
        while not said:
            await asyncio.sleep(0.01)
        assert "cannot write to disk" in said[0]
        (tmp_path / "cib.xml").rmdir()
        w.cib(second)
        await w.drain()
        assert read_cib(tmp_path / "cib.xml").version == second.version

    asyncio.run(main())
