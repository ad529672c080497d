"""CIB codec speed: load + write of the whole scheduler corpus with our codec
versus lxml alone parsing and serializing the same files.

``run()`` returns the figures (seconds, best of a few rounds) and the ratio
``codec / lxml``; nothing is asserted.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from paceline.cib.codec import decode_cib, encode_cib

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("PACELINE_SHARED", REPO.parent / "shared")) / "scheduler-corpus"


def _best(rounds: int, fn: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(rounds: int = 3) -> dict[str, object]:
    files = sorted(CORPUS.glob("*.xml"))
    blobs = [p.read_bytes() for p in files]  # reading the disk is not timed
    parser = etree.XMLParser(remove_blank_text=True)

    def lxml_only() -> None:
        for data in blobs:
            etree.tostring(etree.fromstring(data, parser), pretty_print=True, encoding="UTF-8")

    def codec() -> None:
        for data in blobs:
            encode_cib(decode_cib(data))

    def decode_only() -> None:
        for data in blobs:
            decode_cib(data)

    lxml_s = _best(rounds, lxml_only)
    codec_s = _best(rounds, codec)
    decode_s = _best(rounds, decode_only)
    return {
        "files": len(blobs),
        "bytes": sum(len(b) for b in blobs),
        "rounds": rounds,
        "lxml_parse_serialize_s": round(lxml_s, 4),
        "codec_load_write_s": round(codec_s, 4),
        "codec_load_only_s": round(decode_s, 4),
        "ratio_codec_over_lxml": round(codec_s / lxml_s, 2) if lxml_s else None,
        "per_file_ms": round(1000 * codec_s / max(1, len(blobs)), 3),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
