"""Known answers: pin the wire format and the key derivation.

Nodes of different Paceline releases must talk during a rolling upgrade, so
the bytes of a frame and the keys derived from an authkey must never change
by accident (a deliberate change takes a new FRAME_VERSION / HKDF label).
Each vector is also recomputed here from the format's description, with the
standard library and ``cryptography`` directly, not through our code.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from paceline.core.frame import AuthMode, FrameCodec
from paceline.core.ids import NodeId
from paceline.core.keys import FrameKeys, Keyring

AUTHKEY = bytes(range(32))
SENDER, SEQ, PAYLOAD = 2, (7 << 32) | 5, b"paceline"
HMAC_KEY = "a9e08e0b7c0741a0a8745472e7bb77bc7a8cca2abceee88ef5199cef5ef9536e"
AES_KEY = "5f28489c733a39f9a70aecd4443cd5cd4b2f0f8f9aa503c8b75044bf644c2b00"
FRAMES = {
    AuthMode.NONE: "504c0100000000000002000000070000000500000008706163656c696e65",
    AuthMode.HMAC_SHA256: "504c0101000000000002000000070000000500000028706163656c696e65"
    "cc1e03353fe8457f4eb50fcfe175b1e43e71df255ff838d1c9f3822764e2de76",
    AuthMode.AES_256_GCM: "504c0102000000000002000000070000000500000018"
    "676853535d132dcc194cb8703a16ec34464ca8bb662744c2",
}


def hkdf(info: bytes) -> bytes:
    kdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"paceline authkey v1", info=info)
    return kdf.derive(AUTHKEY)


def test_key_derivation_is_pinned() -> None:
    keys = FrameKeys.derive(AUTHKEY)
    assert keys.hmac_key.hex() == HMAC_KEY == hkdf(b"paceline frame hmac-sha256").hex()
    assert keys.aes_key.hex() == AES_KEY == hkdf(b"paceline frame aes-256-gcm").hex()


@pytest.mark.parametrize("mode", list(AuthMode), ids=lambda m: m.name)
def test_frames_are_pinned(mode: AuthMode) -> None:
    ring = None if mode is AuthMode.NONE else Keyring.from_authkey(AUTHKEY)
    codec = FrameCodec(mode, ring)
    wire = codec.encode(NodeId(SENDER), SEQ, PAYLOAD)
    assert wire.hex() == FRAMES[mode]
    assert codec.decode(bytes.fromhex(FRAMES[mode])).payload == PAYLOAD


def test_frames_follow_the_documented_layout() -> None:
    def header(mode: int, body: int) -> bytes:
        return b"PL" + struct.pack("!BBHIQI", 1, mode, 0, SENDER, SEQ, body)

    plain = header(0, len(PAYLOAD)) + PAYLOAD
    h = header(1, len(PAYLOAD) + 32)
    with_hmac = h + PAYLOAD + hmac.digest(bytes.fromhex(HMAC_KEY), h + PAYLOAD, hashlib.sha256)
    g = header(2, len(PAYLOAD) + 16)
    nonce = SENDER.to_bytes(4, "big") + SEQ.to_bytes(8, "big")
    with_gcm = g + AESGCM(bytes.fromhex(AES_KEY)).encrypt(nonce, PAYLOAD, g)
    assert [plain.hex(), with_hmac.hex(), with_gcm.hex()] == [
        FRAMES[AuthMode.NONE],
        FRAMES[AuthMode.HMAC_SHA256],
        FRAMES[AuthMode.AES_256_GCM],
    ]
