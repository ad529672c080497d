"""Cluster keys: derive distinct HMAC and AES keys from the authkey file's bytes.

The authkey file (``/etc/paceline/authkey``, or a Corosync ``authkey``) is raw
random bytes. It is never used directly: HKDF-SHA256 expands it into one key
per purpose, so the HMAC key and the AES-256-GCM key are independent even
though they come from one file. A ``Keyring`` holds keys by a small key id
carried in every frame, so a cluster can roll a new authkey in node by node:
add the new key, switch sending to it once every node has it, drop the old.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from paceline.core.errors import ConfigError

AUTHKEY_MIN_BYTES = 32
"""256 bits: less would make the derived keys weaker than their algorithms."""
AUTHKEY_MAX_BYTES = 4096
"""Corosync/knet accept keys up to 4096 bytes; so do we."""
KEY_ID_MAX = 0xFFFF

_SALT = b"paceline authkey v1"
_INFO_HMAC = b"paceline frame hmac-sha256"
_INFO_AES = b"paceline frame aes-256-gcm"


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=info).derive(material)


@dataclass(frozen=True, slots=True)
class FrameKeys:
    """The keys derived from one authkey: one for HMAC-SHA256, one for AES-256-GCM."""

    key_id: int
    hmac_key: bytes = field(repr=False)
    aes_key: bytes = field(repr=False)
    aead: AESGCM = field(repr=False, compare=False)
    hmac_base: hmac.HMAC = field(repr=False, compare=False)
    """Keyed HMAC state to ``copy()`` per message (saves the key schedule each time)."""

    @staticmethod
    def derive(material: bytes, key_id: int = 0, *, file: str | None = None) -> FrameKeys:
        """Derive the frame keys of ``material`` (the authkey file's bytes).

        Raises:
            ConfigError: the key is too short or too long (naming ``file``), or
                ``key_id`` is outside 0..65535.
        """
        if not AUTHKEY_MIN_BYTES <= len(material) <= AUTHKEY_MAX_BYTES:
            raise ConfigError(
                f"authkey is {len(material)} bytes",
                file=file,
                expected=f"{AUTHKEY_MIN_BYTES} to {AUTHKEY_MAX_BYTES} random bytes "
                "(make one with 'paceline keygen')",
            )
        if not 0 <= key_id <= KEY_ID_MAX:
            raise ConfigError(
                f"key id {key_id} out of range", file=file, expected=f"0..{KEY_ID_MAX}"
            )
        aes_key = _hkdf(material, _INFO_AES)
        hmac_key = _hkdf(material, _INFO_HMAC)
        base = hmac.new(hmac_key, digestmod=hashlib.sha256)
        return FrameKeys(key_id, hmac_key, aes_key, AESGCM(aes_key), base)


@dataclass(frozen=True, slots=True)
class Keyring:
    """Keys by key id, and the id new frames are sent with (``current``).

    Immutable: rotation steps return a new ring.
    """

    current: int
    keys: tuple[FrameKeys, ...]

    def __post_init__(self) -> None:
        ids = [k.key_id for k in self.keys]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate key ids in keyring: {sorted(ids)}")
        if self.current not in ids:
            raise ValueError(f"current key id {self.current} not in keyring {sorted(ids)}")

    @staticmethod
    def from_authkey(material: bytes, key_id: int = 0, *, file: str | None = None) -> Keyring:
        """A ring with the single key derived from ``material``."""
        return Keyring(key_id, (FrameKeys.derive(material, key_id, file=file),))

    def get(self, key_id: int) -> FrameKeys | None:
        """The keys with id ``key_id``, if this ring has them."""
        for keys in self.keys:
            if keys.key_id == key_id:
                return keys
        return None

    @property
    def sending(self) -> FrameKeys:
        """The keys new frames are authenticated with."""
        keys = self.get(self.current)
        assert keys is not None  # __post_init__ checked it
        return keys

    def with_key(self, keys: FrameKeys) -> Keyring:
        """This ring plus (or with a replaced) ``keys``; sending is unchanged."""
        rest = tuple(k for k in self.keys if k.key_id != keys.key_id)
        return Keyring(self.current, (*rest, keys))

    def send_with(self, key_id: int) -> Keyring:
        """This ring sending with ``key_id`` (which it must hold)."""
        return Keyring(key_id, self.keys)

    def without(self, key_id: int) -> Keyring:
        """This ring without ``key_id`` (which must not be the sending key)."""
        return Keyring(self.current, tuple(k for k in self.keys if k.key_id != key_id))

    def __iter__(self) -> Iterator[FrameKeys]:
        return iter(self.keys)
