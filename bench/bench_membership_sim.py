"""Membership in the simulator at 32 nodes: forming, a half/half partition, the heal.

Figures are simulated seconds (the simulator's clock), as ratios of the
configured token (Paceline's default, 1000 ms, 4 heartbeats per token): the
issue's goal is that 32 nodes form and re-form within 2 x token after a
partition heals. ``crash_view_after_*_detection`` is the time from the token
expiring on a crashed node (at the first, and at the last survivor to see it)
to every survivor's new view, in steps of 5 ms. The wall-clock
cost of simulating it is reported too (reference: the same run's forming),
and the CPU an idle 5-node cluster costs per node (simulator included, so an
upper bound of the core's cost; the goal for the real driver is 0.5 %).
``heartbeat_frame_bytes`` is one heartbeat as it goes on the wire (HMAC frame
included) once 3, 8 and 32 nodes have formed: O(n) since heartbeats relay
only the rows some peer cannot hear itself (it was O(n^2): 97, 187 and
1383 bytes when every heartbeat carried every heard node's row).
"""

from __future__ import annotations

import time

from paceline.core.frame import AuthMode
from paceline.membership import wire
from paceline.sim.membership import MembershipScenario, install
from paceline.sim.net import LinkFaults
from paceline.sim.system import System

NODES = 32
TOKEN = 1.0
STEP = 0.005


def _until(system: System, done: object, limit: float) -> float | None:
    """Run in small steps until ``done()``; the simulated time it took, or None."""
    sim = system.sim
    start = sim.now
    while sim.now - start < limit:
        sim.run_until(sim.now + STEP)
        if done():  # type: ignore[operator]
            return sim.now - start
    return None


def run() -> dict[str, object]:
    sc = MembershipScenario(
        nodes=NODES, links=1, multicast=False, auth=AuthMode.HMAC_SHA256,
        faults=LinkFaults(delay=0.0005, jitter=0.0005), nemesis=(), duration=60.0,
        settle=0.0, message_every=1.0, token=TOKEN, heartbeats_per_token=4,
    )  # fmt: skip
    system = System(11, networks=["ring0"])
    m = install(system, sc, workload=False)
    everyone = tuple(range(1, NODES + 1))
    names = sorted(m.ids, key=lambda n: m.ids[n])
    left, right = names[: NODES // 2], names[NODES // 2 :]

    def all_in(members: tuple[int, ...], who: list[str]) -> bool:
        views = [m.cores[n].view for n in who]
        return all(v is not None and v.members == members for v in views)

    t0 = time.perf_counter()
    for node in system.cluster.nodes.values():
        node.start()
    formed = _until(system, lambda: all_in(everyone, names), 10 * TOKEN)
    form_wall = time.perf_counter() - t0
    _until(system, lambda: False, 2 * TOKEN)  # settle
    at_32 = max(len(c._frame(wire.encode(c.heartbeat()))) for c in m.cores.values())

    system.net.partition(left, right)
    halves = tuple(m.ids[n] for n in left), tuple(m.ids[n] for n in right)
    split = _until(system, lambda: all_in(halves[0], left) and all_in(halves[1], right), 10 * TOKEN)
    _until(system, lambda: False, 2 * TOKEN)
    t1 = time.perf_counter()
    system.net.heal()
    reformed = _until(system, lambda: all_in(everyone, names), 10 * TOKEN)
    reform_wall = time.perf_counter() - t1
    _until(system, lambda: False, 2 * TOKEN)

    victim = names[5]
    crashed_at = system.sim.now
    system.cluster.nodes[victim].crash()
    rest = [n for n in names if n != victim]
    without = tuple(m.ids[n] for n in rest)
    lost = _until(system, lambda: all_in(without, rest), 10 * TOKEN)
    heard = [m.cores[n].peers[m.ids[victim]].heard[0] for n in rest]
    detected_first, detected_last = min(heard) + TOKEN, max(heard) + TOKEN
    viewed = crashed_at + lost if lost is not None else None

    idle = _idle_cpu()
    sizes = {str(n): _heartbeat_bytes(n) for n in (3, 8)}
    sizes[str(NODES)] = at_32

    def ratio(x: float | None) -> float | None:
        return None if x is None else round(x / TOKEN, 3)

    return {
        "nodes": NODES,
        "token_s": TOKEN,
        "form_s": formed,
        "split_view_s": split,
        "reform_after_heal_s": reformed,
        "reform_after_heal_x_token": ratio(reformed),
        "goal_reform_x_token": 2.0,
        "crash_new_view_s": lost,
        "crash_detection_x_token": round((detected_first - crashed_at) / TOKEN, 3),
        "crash_view_after_first_detection_s": None
        if viewed is None
        else round(viewed - detected_first, 4),
        "crash_view_after_last_detection_s": None
        if viewed is None
        else round(viewed - detected_last, 4),
        "idle_5_nodes_cpu_per_node_upper_bound": idle,
        "heartbeat_frame_bytes": sizes,
        "wall_form_s": round(form_wall, 2),
        "wall_reform_s": round(reform_wall, 2),
        "wall_reform_per_form": round(reform_wall / form_wall, 3) if form_wall else None,
    }


def _heartbeat_bytes(nodes: int) -> int:
    """The largest heartbeat frame of a formed ``nodes``-node cluster (one link, HMAC)."""
    sc = MembershipScenario(
        nodes=nodes, links=1, multicast=False, auth=AuthMode.HMAC_SHA256,
        faults=LinkFaults(delay=0.0005, jitter=0.0005), nemesis=(), duration=60.0,
        settle=0.0, message_every=1.0, token=TOKEN, heartbeats_per_token=4,
    )  # fmt: skip
    system = System(13, networks=["ring0"])
    m = install(system, sc, workload=False)
    for node in system.cluster.nodes.values():
        node.start()
    system.sim.run_until(5 * TOKEN)
    return max(len(c._frame(wire.encode(c.heartbeat()))) for c in m.cores.values())


def _idle_cpu(nodes: int = 5, seconds: float = 60.0) -> float:
    """CPU seconds per node per second for an idle cluster at the default token (one
    link, HMAC), simulator included: an upper bound on the core's own cost."""
    sc = MembershipScenario(
        nodes=nodes, links=1, multicast=False, auth=AuthMode.HMAC_SHA256,
        faults=LinkFaults(), nemesis=(), duration=seconds, settle=0.0, message_every=1.0,
        token=TOKEN, heartbeats_per_token=4,
    )  # fmt: skip
    system = System(12, networks=["ring0"])
    install(system, sc, workload=False)
    for node in system.cluster.nodes.values():
        node.start()
    system.sim.run_until(2.0)
    t0 = time.process_time()
    system.sim.run_until(2.0 + seconds)
    return round((time.process_time() - t0) / (nodes * seconds), 5)


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
