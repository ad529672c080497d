"""The volume core's asyncio driver over a real file, without FUSE or a peer."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from paceline.replication.resconf import parse
from paceline.runtime.blockio import FileBlockStore
from paceline.runtime.volume_disk import Layout, create_md, read_md
from paceline.runtime.volume_driver import CoreDriver

RES = """\
resource r0 {{
    protocol C;
    meta-disk internal;
    device /dev/drbd1 minor 1;
    disk {disk};
    on node1 {{ address 198.19.7.1:7789; }}
    on node2 {{ address 198.19.7.2:7789; }}
}}
"""


def test_runs_larger_than_the_disk_queue_are_held_back_not_lost(tmp_path: Path) -> None:
    """A front end's runs can ask for more blocks at once than the store takes
    (``max_pending``): the driver holds the rest and submits them as room frees up
    (it used to raise in the middle of a pump, losing the requests: a hung fsync)."""
    disk = tmp_path / "r0.img"
    with open(disk, "wb") as f:
        f.truncate(16 << 20)
    res = parse(RES.format(disk=disk)).resources["r0"]
    host = res.host("node1")
    layout = Layout.of(res, host)
    create_md(layout)
    data = os.urandom(200 * 4096)

    async def main() -> tuple[list[int], bytes]:
        store = FileBlockStore(layout.disk, num_blocks=layout.meta_end, max_pending=8)
        driver = CoreDriver(res, host, read_md(layout), store, layout.meta, spawn=print)
        assert await driver.admin("primary", force=True) == ""
        errors = await asyncio.gather(
            *(driver.write_run(k * 50, data[k * 50 * 4096 : (k + 1) * 50 * 4096]) for k in range(4))
        )
        error, back = await driver.read_run(0, 200)
        assert error == 0
        await driver.close()
        await store.aclose()
        return list(errors), back

    errors, back = asyncio.run(main())
    assert errors == [0, 0, 0, 0]
    assert back == data  # and in order
    with open(disk, "rb") as f:
        assert f.read(len(data)) == data
