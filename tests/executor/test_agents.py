"""The agent scan: OCF providers, init scripts, fence agents, systemd units."""

from __future__ import annotations

from pathlib import Path

import pytest

from paceline.executor.agents import OCF_ROOT, OWN_AGENTS, AgentCatalog, scan_agents


def _script(path: Path, *, executable: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755 if executable else 0o644)


@pytest.fixture
def catalog(tmp_path: Path) -> AgentCatalog:
    ocf = tmp_path / "ocf"
    _script(ocf / "heartbeat" / "IPaddr2")
    _script(ocf / "heartbeat" / "README", executable=False)
    _script(ocf / "heartbeat" / ".ocf-shellfuncs")
    _script(ocf / "paceline" / "drbd")
    init_d = tmp_path / "init.d"
    _script(init_d / "apache2")
    _script(init_d / "skeleton")
    sbin = tmp_path / "sbin"
    _script(sbin / "fence_xvm")
    _script(sbin / "sshd")
    systemd = tmp_path / "systemd"
    systemd.mkdir()
    (systemd / "nginx.service").write_text("[Unit]\n")
    (systemd / "getty@.service").write_text("[Unit]\n")
    (systemd / "sockets.target").write_text("[Unit]\n")
    return scan_agents(ocf_root=ocf, init_d=init_d, fence_dirs=(sbin,), systemd_dirs=(systemd,))


def test_scan_finds_each_kind_and_nothing_else(catalog: AgentCatalog) -> None:
    assert catalog.names == {
        "ocf:heartbeat:IPaddr2",
        "ocf:paceline:drbd",
        "lsb:apache2",
        "stonith:fence_xvm",
        "systemd:nginx",
    }
    assert catalog.classes() == ("lsb", "ocf", "stonith", "systemd")


def test_exists_understands_service_and_unit_suffix(catalog: AgentCatalog) -> None:
    assert catalog.exists("service:apache2")
    assert catalog.exists("service:nginx")
    assert catalog.exists("systemd:nginx.service")
    assert not catalog.exists("service:mysql")
    assert not catalog.exists("ocf:linbit:drbd")


def test_missing_directories_scan_to_nothing(tmp_path: Path) -> None:
    gone = tmp_path / "absent"
    catalog = scan_agents(
        ocf_root=gone, init_d=gone, fence_dirs=(gone,), systemd_dirs=(gone,), own_agents={}
    )
    assert catalog.names == frozenset()


def test_an_own_agent_that_ships_is_known_before_it_is_installed(tmp_path: Path) -> None:
    """Issue 10: the migration substitutes ocf:paceline:drbd; verify must not then
    call it missing when it ships with this Paceline (installed or not yet)."""
    gone = tmp_path / "absent"
    dirs = {"ocf_root": gone, "init_d": gone, "fence_dirs": (gone,), "systemd_dirs": (gone,)}
    catalog = scan_agents(**dirs, own_agents={"ocf:paceline:x": "paceline.crm"})  # type: ignore[arg-type]
    assert catalog.exists("ocf:paceline:x")
    missing = scan_agents(**dirs, own_agents={"ocf:paceline:x": "paceline.no_such_module"})  # type: ignore[arg-type]
    assert not missing.exists("ocf:paceline:x")
    assert set(OWN_AGENTS) == {"ocf:paceline:drbd"}


@pytest.mark.skipif(not (OCF_ROOT / "heartbeat").is_dir(), reason="resource-agents not installed")
def test_this_host_has_the_debian_agents() -> None:
    catalog = scan_agents()
    assert catalog.exists("ocf:heartbeat:IPaddr2")
    assert catalog.exists("ocf:pacemaker:Dummy")
