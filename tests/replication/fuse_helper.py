"""A FUSE front end over one image file, as a process (tests and bench only).

    python fuse_helper.py IMAGE MOUNTPOINT BLOCKS [--read-only]

Serves until SIGTERM, then prints the FUSE counters as one JSON line.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys

from paceline.replication import fuse
from paceline.runtime.blockio import FileBlockStore


async def main(image: str, mountpoint: str, blocks: int, writable: bool) -> None:
    store = FileBlockStore(image, num_blocks=blocks)
    ops = fuse.VolumeOps(store, writable=lambda: writable)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, fuse.stop)
    try:
        await fuse.serve(ops, mountpoint, fsname="pacelinetest")
    finally:
        await store.aclose()
        print(json.dumps(ops.stats.as_dict()), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), "--read-only" not in sys.argv))
