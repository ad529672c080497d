"""Membership verbs: ``paceline keygen`` (as corosync-keygen).

paceline keygen [-k FILE] [-r RANDOMFILE] [-s BYTES] [-l]

Heavy modules are imported inside the handlers (the CLI imports verb
modules on every start).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from paceline.core.errors import ConfigError

KEY_SIZE_DEFAULT = 256
KEY_SIZE_MIN = 128
KEY_SIZE_MAX = 4096


def register(subparsers: Any) -> None:
    k = subparsers.add_parser("keygen", help="write a cluster authkey (as corosync-keygen)")
    k.add_argument(
        "-k", dest="keyfile", default=None, help="key file (default /etc/paceline/authkey)"
    )
    k.add_argument("-r", "-m", dest="random", default="/dev/urandom", help="random source")
    k.add_argument("-s", dest="size", type=int, default=KEY_SIZE_DEFAULT, help="key size in bytes")
    k.add_argument("-l", dest="less", action="store_true", help="ignored (compatibility)")
    k.set_defaults(func=_keygen)


def _keygen(args: argparse.Namespace) -> int:
    from paceline.membership.config import DEFAULT_KEYFILE

    path = args.keyfile or DEFAULT_KEYFILE
    if not KEY_SIZE_MIN <= args.size <= KEY_SIZE_MAX:
        raise ConfigError(
            f"key size {args.size} out of range",
            field="-s",
            expected=f"{KEY_SIZE_MIN}..{KEY_SIZE_MAX} bytes",
        )
    print("Corosync Cluster Engine Authentication key generator.")
    print(f"Gathering {args.size * 8} bits for key from {args.random}.")
    with open(args.random, "rb") as src:
        material = src.read(args.size)
    if len(material) != args.size:
        raise ConfigError(f"{args.random} gave only {len(material)} bytes", file=args.random)
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    tmp = f"{path}.tmp.{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o400)
    try:
        os.write(fd, material)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    print(f"Writing corosync key to {path}.")
    sys.stdout.flush()
    return 0
