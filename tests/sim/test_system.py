"""The generic harness: a scenario of several networks is a few lines naming its
networks, its nodes' cores, its faults and its checkers."""

from __future__ import annotations

import pytest

from paceline.core.errors import StateError
from paceline.sim import demo
from paceline.sim.net import LinkFaults, SimNetwork
from paceline.sim.node import Cluster, NodeContext
from paceline.sim.system import Crash, Partition, RunResult, System, Unplug
from paceline.sim.world import Simulator

NAMES = ["n1", "n2", "n3"]


def heartbeat_on(network: str, *nemesis: Unplug | Partition | Crash, seed: int = 1) -> RunResult:
    system = System(seed, networks={"ring0": None, "repl": LinkFaults(bandwidth=100e6)})
    demo.install(system, NAMES, network=network)
    system.nemesis(*nemesis)
    return system.run(6.0, settle=2.0, name=f"heartbeat-on-{network}")


def peer_downs(result: RunResult) -> list[str]:
    return [line for line in result.trace if line.split()[2:4] == ["e", "peerdown"]]


def test_a_cable_pulled_on_another_network_does_not_disturb_the_ring() -> None:
    result = heartbeat_on("ring0", Unplug(1.0, 3.0, "n1", "repl"))
    assert result.ok and peer_downs(result) == []
    assert any(" * unplug   n1 from repl" in line for line in result.trace)


def test_a_cable_pulled_on_the_ring_is_seen_then_healed() -> None:
    result = heartbeat_on("ring0", Unplug(1.0, 3.0, "n1", "ring0"))
    assert result.ok  # the liveness phase converged
    downs = peer_downs(result)
    assert {line.split()[1] for line in downs} == {"n1", "n2", "n3"}
    assert result.stats["dropped-unplugged"] > 0


def test_a_partition_of_one_network_only_in_a_run() -> None:
    quiet = heartbeat_on("ring0", Partition(1.0, 3.0, ("n1",), network="repl"))
    assert quiet.ok and peer_downs(quiet) == []
    cut = heartbeat_on("repl", Partition(1.0, 3.0, ("n1",), network="repl"))
    assert cut.ok and peer_downs(cut) != []


def test_a_system_run_replays_from_its_seed() -> None:
    nemesis = (Unplug(1.0, 2.0, None, "ring0"), Crash(2.5, down=0.5))
    first, again = heartbeat_on("ring0", *nemesis), heartbeat_on("ring0", *nemesis)
    assert first.trace == again.trace and first.stats == again.stats
    assert heartbeat_on("ring0", *nemesis, seed=2).trace != first.trace


def test_nodes_are_cabled_to_the_networks_they_name() -> None:
    system = System(1, networks=("ring0", "ring1", "repl"))
    bound: list[str] = []

    def boot(ctx: NodeContext) -> None:
        bound.append(str(ctx.bind_datagram(7, lambda d, s: None, "repl").address))
        with pytest.raises(ValueError, match=r"no interface on 'ring1'"):
            ctx.address(7, "ring1")

    system.node("n1", boot, networks=("ring0", "repl"))
    system.run(1.0)
    assert bound == ["n1:7@repl"] and system.net.interfaces("n1") == ("ring0", "repl")


def test_bad_node_transitions_raise_the_kernels_state_error() -> None:
    sim = Simulator(1)
    node = Cluster(sim, SimNetwork(sim)).add_node("n1", lambda ctx: None)
    with pytest.raises(StateError, match="no transition for 'crash' in state 'down'"):
        node.crash()
    with pytest.raises(StateError, match="'pause' in state 'down'"):
        node.pause()
    node.start()
    with pytest.raises(StateError, match="'start' in state 'up'"):
        node.start()
    with pytest.raises(StateError, match="'resume' in state 'running'"):
        node.resume()
    node.pause()
    with pytest.raises(StateError, match="'pause' in state 'paused'"):
        node.pause()
