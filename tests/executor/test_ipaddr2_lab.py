"""IPaddr2 run by the executor inside a lab node's namespace (a 198.18.x address)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from paceline.executor.runner import Agent, Executor, Request

pytestmark = pytest.mark.lab

NIC = "execd0"


@pytest.fixture
def netns() -> Iterator[str]:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.skip("needs root and iproute2")
    name = f"exec-ipa-{os.getpid()}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        ns = ["ip", "-n", name]
        # a veth pair inside the namespace (this kernel has no dummy driver)
        subprocess.run(
            [*ns, "link", "add", NIC, "type", "veth", "peer", "name", NIC + "p"], check=True
        )
        subprocess.run([*ns, "link", "set", NIC + "p", "up"], check=True)
        subprocess.run([*ns, "link", "set", NIC, "up"], check=True)
        subprocess.run([*ns, "addr", "add", "198.18.77.1/24", "dev", NIC], check=True)
        yield name
    finally:
        subprocess.run(["ip", "netns", "delete", name], check=False)


def addresses(ns: str) -> str:
    return subprocess.run(
        ["ip", "-n", ns, "-4", "addr", "show", "dev", NIC],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_ipaddr2_brings_an_address_up_and_down(
    netns: str, executor_factory, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    vip = Agent("ocf", "IPaddr2", "heartbeat")
    params = {"ip": "198.18.77.10", "cidr_netmask": "24", "nic": NIC}

    async def scenario() -> list[int]:
        ex: Executor = executor_factory(wrapper=["ip", "netns", "exec", netns])
        rcs = [(await ex.execute(Request("vip", vip, "monitor", params=params))).rc]
        start = await ex.execute(Request("vip", vip, "start", params=params, timeout_ms=60000))
        assert start.rc == 0, start.stderr
        assert "198.18.77.10/24" in addresses(netns)
        rcs.append((await ex.execute(Request("vip", vip, "monitor", params=params))).rc)
        rcs.append((await ex.execute(Request("vip", vip, "stop", params=params))).rc)
        assert "198.18.77.10" not in addresses(netns)
        rcs.append((await ex.execute(Request("vip", vip, "monitor", params=params))).rc)
        return rcs

    assert asyncio.run(scenario()) == [7, 0, 0, 7]
