"""Wire framing throughput: authenticated frames vs plain msgpack, measured together.

For each payload kind (a heartbeat, a join message, a 4 KiB replicated block,
a 16 KiB CIB diff) and each auth mode, one operation is encode + decode +
unpack of one frame; the reference is ``msgpack.packb`` + ``msgpack.unpackb``
of the same message in the same run. ``ratio`` is framed time / reference
time (how many times slower authentication and framing make a message).
Also: the incremental stream decoder over 64 KiB reads of HMAC frames.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import msgpack

from paceline.core.frame import AuthMode, FrameCodec, FrameDecoder, pack_payload, unpack_payload
from paceline.core.ids import NodeId
from paceline.core.keys import Keyring

KEY = bytes(range(64))
PAYLOADS: dict[str, object] = {
    "heartbeat": {"t": "hb", "ring": [17, 1], "n": 123456},
    "join": {"t": "join", "ring": [17, 1], "hears": list(range(1, 17)), "cib": [0, 42, 7]},
    "block_4k": {"t": "w", "sector": 123456, "seq": 99, "data": bytes(range(256)) * 16},
    "cib_diff_16k": {"t": "diff", "xml": "<primitive id='r' class='ocf'/>" * 512},
}
MODES = {"hmac_sha256": AuthMode.HMAC_SHA256, "aes_256_gcm": AuthMode.AES_256_GCM}


def _best_per_op(fn: Callable[[], None], ops: int, repeats: int = 3) -> float:
    """Seconds per operation: the best of ``repeats`` timings of ``ops`` calls."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(ops):
            fn()
        best = min(best, time.perf_counter() - start)
    return best / ops


def _ops_for(size: int) -> int:
    return max(200, min(20_000, 4_000_000 // max(size, 1)))


def run() -> dict[str, object]:
    ring = Keyring.from_authkey(KEY)
    results: dict[str, object] = {}
    for kind, message in PAYLOADS.items():
        size = len(pack_payload(message))
        ops = _ops_for(size)

        def reference(message: object = message) -> None:
            msgpack.unpackb(msgpack.packb(message, use_bin_type=True), raw=False)

        ref = _best_per_op(reference, ops)
        entry: dict[str, object] = {
            "payload_bytes": size,
            "reference_msgpack_us": round(ref * 1e6, 3),
        }
        for name, mode in MODES.items():
            codec = FrameCodec(mode, ring, max_payload=1 << 20)

            def framed(codec: FrameCodec = codec, message: object = message) -> None:
                frame = codec.decode(codec.encode_message(NodeId(1), 7, message))
                unpack_payload(frame.payload)

            per_op = _best_per_op(framed, ops)
            entry[name] = {
                "us_per_message": round(per_op * 1e6, 3),
                "messages_per_s": round(1 / per_op),
                "mb_per_s": round(size / per_op / 1e6, 1),
                "ratio_vs_msgpack": round(per_op / ref, 2),
            }
        results[kind] = entry
    results["stream_decoder_hmac_4k"] = _stream(ring)
    return results


def _stream(ring: Keyring) -> dict[str, object]:
    codec = FrameCodec(AuthMode.HMAC_SHA256, ring, max_payload=1 << 20)
    payload = pack_payload(PAYLOADS["block_4k"])
    frames = 2000
    stream = b"".join(codec.encode(NodeId(1), i, payload) for i in range(frames))
    reads = [stream[i : i + 65536] for i in range(0, len(stream), 65536)]

    def decode_all() -> None:
        decoder, count = FrameDecoder(codec), 0
        for chunk in reads:
            decoder.receive_data(chunk)
            while decoder.next_frame() is not None:
                count += 1
        assert count == frames

    per_stream = _best_per_op(decode_all, 1)
    return {
        "frames": frames,
        "read_size": 65536,
        "frames_per_s": round(frames / per_stream),
        "mb_per_s": round(len(stream) / per_stream / 1e6, 1),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
