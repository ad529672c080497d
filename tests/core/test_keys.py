"""Key derivation from the authkey bytes, and the keyring used for rotation."""

from __future__ import annotations

import pytest

from paceline.core.errors import ConfigError
from paceline.core.keys import FrameKeys, Keyring

KEY = bytes(range(64))


def test_hmac_and_aes_keys_are_distinct_and_not_the_authkey() -> None:
    keys = FrameKeys.derive(KEY)
    assert len(keys.hmac_key) == len(keys.aes_key) == 32
    assert keys.hmac_key != keys.aes_key
    assert KEY[:32] not in (keys.hmac_key, keys.aes_key)


def test_derivation_is_deterministic_and_depends_on_every_byte() -> None:
    assert FrameKeys.derive(KEY) == FrameKeys.derive(bytes(KEY))
    changed = KEY[:-1] + b"\xff"
    assert FrameKeys.derive(changed).hmac_key != FrameKeys.derive(KEY).hmac_key
    assert FrameKeys.derive(changed).aes_key != FrameKeys.derive(KEY).aes_key


@pytest.mark.parametrize("size", [0, 31, 4097])
def test_bad_authkey_size_is_a_config_error_naming_the_file(size: int) -> None:
    with pytest.raises(ConfigError) as info:
        FrameKeys.derive(b"k" * size, file="/etc/paceline/authkey")
    assert str(info.value) == (
        f"/etc/paceline/authkey: authkey is {size} bytes "
        "(expected 32 to 4096 random bytes (make one with 'paceline keygen'))"
    )


def test_key_id_range() -> None:
    with pytest.raises(ConfigError, match="key id 65536 out of range"):
        FrameKeys.derive(KEY, key_id=65536)


def test_keyring_rotation_steps() -> None:
    ring = Keyring.from_authkey(KEY)
    new = FrameKeys.derive(bytes(range(100, 164)), key_id=1)
    rolled = ring.with_key(new).send_with(1).without(0)
    assert rolled.sending == new
    assert [k.key_id for k in rolled] == [1]
    assert ring.sending.key_id == 0  # immutable: the old ring is unchanged
    with pytest.raises(ValueError, match="current key id 0 not in keyring"):
        ring.with_key(new).without(0)
    with pytest.raises(ValueError, match="current key id 5"):
        ring.send_with(5)
    with pytest.raises(ValueError, match="duplicate key ids"):
        Keyring(0, (ring.sending, ring.sending))


def test_keys_do_not_print() -> None:
    assert KEY.hex() not in repr(FrameKeys.derive(KEY))
    assert "hmac_key" not in repr(FrameKeys.derive(KEY))
