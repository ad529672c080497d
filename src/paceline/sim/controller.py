"""Controllers in the simulator: real ``Controller`` cores over real membership cores.

Each simulated node runs a ``MembershipCore`` on its links
(``sim.membership.LinksDriver``) and a ``Controller`` fed with its views
and messages (``ControllerDriver``). Resource agents cannot run in
simulated time, so each node has ``FakeAgents``: a start makes a resource
run there after ``AGENT_DELAY``, a stop stops it, a monitor reports 0 or 7;
a crash (a power cut) kills them all. The CIB replica survives a crash (it
is on disk). Every change of what runs where is observed (``Running``), so
the checkers judge it:

- ``AtMostOnce`` (S4): a non-clone resource is active on at most one live node;
- ``Converged``: once faults heal, every resource runs on exactly one live
  node and every DC is idle.

``run(seed)`` draws a small cluster (2-3 nodes) and faults (crashes,
partitions of a minority, pauses) and returns the ``RunResult``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

from paceline.cib.model import Cib
from paceline.controller import (
    Broadcast,
    CancelRecurring,
    Controller,
    DcState,
    Effect,
    Execute,
    Log,
    OpOutcome,
    ViewInfo,
    WriteCib,
)
from paceline.core.errors import ProtocolError, StateError
from paceline.core.frame import AuthMode
from paceline.crm import api
from paceline.membership.core import MembershipCore
from paceline.membership.events import Delivered, QuorumChanged, ViewInstalled
from paceline.sim.checkers import Observation, Violation
from paceline.sim.membership import LinksDriver, MembershipScenario, node_links, settings_for
from paceline.sim.net import LinkFaults
from paceline.sim.node import NodeContext
from paceline.sim.system import Crash, Nemesis, Partition, Pause, RunResult, System
from paceline.sim.world import Handle

WALL0 = 1_700_000_000
AGENT_DELAY = 0.02
MONITOR_INTERVAL = 1.0
RESOURCES = ("vip", "d1")
CONFIG = """\
primitive vip ocf:pacemaker:Dummy op monitor interval=1s timeout=20s
primitive d1 ocf:pacemaker:Dummy op monitor interval=1s timeout=20s
group g vip d1
property stonith-enabled=false no-quorum-policy=stop
rsc_defaults resource-stickiness=100
"""


@dataclass(frozen=True, slots=True)
class Running:
    """What runs on a node now (its fake agents' state)."""

    resources: frozenset[str]

    def __str__(self) -> str:
        return f"running {sorted(self.resources)}"


@dataclass(frozen=True, slots=True)
class Cycle:
    """One log sentence of a controller, and whether it is an idle DC after it."""

    text: str
    state: str

    def __str__(self) -> str:
        return f"ctl[{self.state}] {self.text}"


@dataclass(frozen=True, slots=True)
class StateChanged:
    """The controller's DC state changed (``not-dc`` on a member)."""

    state: str

    def __str__(self) -> str:
        return f"ctl state {self.state}"


@dataclass(frozen=True, slots=True)
class StartedTwice:
    """A start ran on a node where the resource already ran (an action run twice)."""

    rsc: str

    def __str__(self) -> str:
        return f"{self.rsc} started while running"


class FakeAgents:
    """Dummy-like agents of one node, in simulated time."""

    def __init__(
        self, ctx: NodeContext, report: Callable[[OpOutcome], None], delay: float = AGENT_DELAY
    ) -> None:
        self.ctx = ctx
        self.delay = delay
        self.report = report
        self.running: set[str] = set()
        self.calls = 0
        self.recurring: dict[tuple[str, str, int], tuple[Handle, int]] = {}

    def execute(self, e: Execute) -> None:
        r = e.request
        self.calls += 1
        call = self.calls

        def done() -> None:
            rc = 0
            if r.action == "start":
                if r.rsc in self.running:
                    self.ctx.observe(StartedTwice(r.rsc))
                self.running.add(r.rsc)
                self.ctx.observe(Running(frozenset(self.running)))
            elif r.action == "stop":
                self.running.discard(r.rsc)
                self.ctx.observe(Running(frozenset(self.running)))
            elif r.action == "monitor":
                rc = 0 if r.rsc in self.running else 7
            wall = int(WALL0 + self.ctx.now())
            self.report(OpOutcome(r.rsc, r.action, r.interval_ms, call, rc, wall))
            if r.action == "monitor" and r.interval_ms > 0:
                self._repeat(r.rsc, r.interval_ms, rc)

        self.ctx.call_at(self.ctx.now() + self.delay, done)

    def _repeat(self, rsc: str, interval_ms: int, last: int) -> None:
        key = (rsc, "monitor", interval_ms)

        def tick() -> None:
            if key not in self.recurring:
                return
            rc = 0 if rsc in self.running else 7
            if rc != self.recurring[key][1]:
                self.calls += 1
                self.report(
                    OpOutcome(
                        rsc, "monitor", interval_ms, self.calls, rc, int(WALL0 + self.ctx.now())
                    )
                )
            self._repeat(rsc, interval_ms, rc)

        handle = self.ctx.call_at(self.ctx.now() + interval_ms / 1000, tick)
        self.recurring[key] = (handle, last)

    def cancel(self, e: CancelRecurring) -> None:
        entry = self.recurring.pop((e.rsc, e.action, e.interval_ms), None)
        if entry is not None:
            entry[0].cancel()


class ControllerDriver:
    """Feeds one ``Controller`` its node's views, messages and agent results."""

    def __init__(
        self,
        ctx: NodeContext,
        ctl: Controller,
        membership: LinksDriver,
        names: Mapping[int, str],
        store: Callable[[Cib], None],
        agent_delay: float = AGENT_DELAY,
    ) -> None:
        self.ctx = ctx
        self.ctl = ctl
        self.membership = membership
        self.names = names
        self.store = store
        self.agents = FakeAgents(
            ctx, lambda out: self.feed(self.ctl.on_op_result, out), agent_delay
        )
        self._timer: Handle | None = None
        self.state = ctl.state.value
        ctx.bus.subscribe("membership", self.on_event)

    def wall(self) -> float:
        return WALL0 + self.ctx.now()

    def feed(self, fn: Callable[..., list[Effect]], *args: object) -> None:
        try:
            effects = fn(*args, self.ctx.now(), self.wall())
        except (ProtocolError, StateError) as exc:
            self.ctx.observe(Cycle(f"error: {exc}", self.ctl.state.value))
            return
        self.apply(effects)
        if self.ctl.state.value != self.state:
            self.state = self.ctl.state.value
            self.ctx.observe(StateChanged(self.state))
        self._arm()

    def on_event(self, event: object) -> None:
        if isinstance(event, ViewInstalled):
            v = event.view
            members = {self.names[m]: str(m) for m in v.members}
            alive = frozenset(
                self.names[m] for m in self.membership.core.reachable() if m in self.names
            )
            info = ViewInfo(str(v.ring), members, self.names[v.dc], v.quorate, alive)
            self.feed(self.ctl.on_view, info)
        elif isinstance(event, Delivered):
            self.feed(self.ctl.on_message, self.names[event.sender], event.payload)
        elif isinstance(event, QuorumChanged):
            self.feed(self.ctl.on_quorum, event.state.quorate)

    def apply(self, effects: list[Effect]) -> None:
        sent = False
        for e in effects:
            if isinstance(e, Broadcast):
                try:
                    self.membership.core.broadcast(e.payload)
                    sent = True
                except StateError:
                    pass  # no view (or a full queue): the next view's join repairs it
            elif isinstance(e, Execute):
                self.agents.execute(e)
            elif isinstance(e, CancelRecurring):
                self.agents.cancel(e)
            elif isinstance(e, WriteCib):
                self.store(e.cib)
            elif isinstance(e, Log):
                self.ctx.observe(Cycle(e.text, self.ctl.state.value))
        if sent:
            self.membership.pump()

    def _arm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        deadline = self.ctl.next_deadline()
        if deadline is not None:
            self._timer = self.ctx.call_at(max(deadline, self.ctx.now()), self._fire)

    def _fire(self) -> None:
        self._timer = None
        self.feed(self.ctl.on_timer)


# ---------------------------------------------------------------- checkers


class AtMostOnce:
    """S4: a non-clone resource runs on at most one live node at any time.

    Without fencing (these runs have ``stonith-enabled=false``) a partition
    lets both sides run a resource until quorum says otherwise, or for good
    in two-node clusters: the ``excused`` windows (partitions, and a grace
    after each for the minority to stop) are not judged."""

    name = "at-most-once"

    def __init__(
        self, resources: Sequence[str], excused: Sequence[tuple[float, float]] = ()
    ) -> None:
        self.resources = tuple(resources)
        self.excused = tuple(excused)
        self.running: dict[str, frozenset[str]] = {}

    def observe(self, ob: Observation) -> list[Violation]:
        from paceline.sim.node import Crashed

        if isinstance(ob.event, Crashed):
            self.running.pop(ob.node, None)
            return []
        if not isinstance(ob.event, Running):
            return []
        self.running[ob.node] = ob.event.resources
        out: list[Violation] = []
        if any(a <= ob.time <= b for a, b in self.excused):
            return out
        for rsc in self.resources:
            where = sorted(n for n, r in self.running.items() if rsc in r)
            if len(where) > 1:
                out.append(
                    Violation(self.name, ob.time, ob.node, f"{rsc} runs on {', '.join(where)}")
                )
        return out

    def finish(self, now: float) -> list[Violation]:
        return []


class RunOnce:
    """No action runs twice: a start never finds its resource already running."""

    name = "run-once"

    def observe(self, ob: Observation) -> list[Violation]:
        if isinstance(ob.event, StartedTwice):
            return [Violation(self.name, ob.time, ob.node, f"{ob.event.rsc} was started twice")]
        return []

    def finish(self, now: float) -> list[Violation]:
        return []


@dataclass
class Converged:
    """Once healed, every resource runs on exactly one node (checked at the end)."""

    resources: tuple[str, ...]
    name: str = "converged"
    running: dict[str, frozenset[str]] = field(default_factory=dict)
    last: dict[str, str] = field(default_factory=dict)

    def observe(self, ob: Observation) -> list[Violation]:
        from paceline.sim.node import Crashed

        if isinstance(ob.event, Crashed):
            self.running.pop(ob.node, None)
            self.last[ob.node] = "not-dc"
        elif isinstance(ob.event, Running):
            self.running[ob.node] = ob.event.resources
        elif isinstance(ob.event, StateChanged):
            self.last[ob.node] = ob.event.state
        return []

    def finish(self, now: float) -> list[Violation]:
        out = []
        for rsc in self.resources:
            where = sorted(n for n, r in self.running.items() if rsc in r)
            if len(where) != 1:
                out.append(
                    Violation(
                        self.name, now, None, f"{rsc} runs on {where or 'no node'} at the end"
                    )
                )
        busy = sorted(n for n, s in self.last.items() if s not in ("idle", "not-dc"))
        if busy:
            out.append(
                Violation(self.name, now, None, f"controllers still busy at the end: {busy}")
            )
        return out


# ---------------------------------------------------------------- scenario


@dataclass(frozen=True, slots=True)
class ControllerScenario:
    nodes: int
    nemesis: tuple[Nemesis, ...]
    duration: float
    settle: float
    membership: MembershipScenario
    agent_delay: float = AGENT_DELAY
    extra_config: str = ""


def draw(seed: int) -> ControllerScenario:
    rng = random.Random(f"controller/{seed}")
    n = rng.choice((2, 3, 3))
    token = 0.5
    fault_end = 30.0
    settle = 15.0
    names = [f"n{i}" for i in range(1, n + 1)]
    nemesis: list[Nemesis] = []
    for _ in range(rng.randint(2, 4)):
        at = rng.uniform(4.0, fault_end - 4.0)
        kind = rng.choice(("crash", "crash", "partition", "pause"))
        node = rng.choice(names)
        if kind == "crash":
            nemesis.append(Crash(at, down=rng.uniform(0.5, 5.0), node=node))
        elif kind == "partition" and n > 2:
            nemesis.append(Partition(at, min(at + rng.uniform(1.0, 5.0), fault_end), (node,)))
        else:
            nemesis.append(Pause(at, rng.uniform(0.05, 0.2), node))
    memb = MembershipScenario(
        nodes=n,
        links=1,
        multicast=False,
        auth=AuthMode.HMAC_SHA256,
        faults=LinkFaults(delay=0.001, jitter=0.0005),
        nemesis=(),
        duration=fault_end + settle,
        settle=settle,
        message_every=1.0,
        token=token,
    )
    return ControllerScenario(n, tuple(nemesis), fault_end + settle, settle, memb)


def install(system: System, sc: ControllerScenario) -> dict[str, Cib]:
    names = [f"n{i}" for i in range(1, sc.nodes + 1)]
    ids = {name: i for i, name in enumerate(names, 1)}
    by_id = {i: name for name, i in ids.items()}
    settings = settings_for(sc.membership, sc.nodes)
    authkey = system.sim.fork_rng("authkey").randbytes(32)
    first, _ = api.load(Cib(), CONFIG + sc.extra_config)
    disks: dict[str, Cib] = {names[0]: first}
    ring_seqs: dict[str, int] = {}

    def boot(name: str, ctx: NodeContext) -> None:
        me = ids[name]
        links = node_links(sc.membership, names, me)
        core = MembershipCore(
            settings, me, links, authkey, ctx.rng, ctx.now(),
            incarnation=ctx.incarnation, min_ring_seq=ring_seqs.get(name, 0),
        )  # fmt: skip
        memb = LinksDriver(ctx, core, links, persist=lambda seq: ring_seqs.__setitem__(name, seq))
        ctl = Controller(name, disks.get(name, Cib()), uuid=str(me))
        ctx.observe(Running(frozenset()))
        ControllerDriver(
            ctx, ctl, memb, by_id, lambda cib: disks.__setitem__(name, cib), sc.agent_delay
        )

    for name in names:
        system.node(name, partial(boot, name), networks=["ring0"])
    return disks


def run(seed: int, scenario: ControllerScenario | None = None) -> RunResult:
    sc = scenario if scenario is not None else draw(seed)
    system = System(seed, networks=["ring0"], faults=sc.membership.faults)
    install(system, sc)
    grace = 10 * sc.membership.token
    excused = [(n.at, n.until + grace) for n in sc.nemesis if isinstance(n, Partition)]
    system.check(AtMostOnce(RESOURCES, excused), RunOnce(), Converged(RESOURCES))
    system.nemesis(*sc.nemesis)
    return system.run(sc.duration, settle=sc.settle, name="controller")


__all__ = [
    "AtMostOnce",
    "ControllerScenario",
    "Converged",
    "DcState",
    "RunOnce",
    "draw",
    "install",
    "run",
]
