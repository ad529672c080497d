"""A deterministic harness for controller cores: a perfect in-order group bus
and a fake executor per node (agents cannot run in simulated time; the lab
tests run the real ones). Agents are modelled as Dummy: start makes it run,
stop makes it stop, monitor says 0 or 7; ``fail_monitor`` makes a resource
stop by itself (as removing Dummy's state file does)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from paceline.cib.model import Cib
from paceline.controller import (
    Broadcast,
    CancelRecurring,
    Controller,
    Execute,
    Log,
    OpOutcome,
    Reply,
    ViewInfo,
    WriteCib,
)

WALL0 = 1_700_000_000


@dataclass
class FakeNode:
    name: str
    ctl: Controller
    running: set[str] = field(default_factory=set)
    recurring: dict[tuple[str, str, int], int] = field(default_factory=dict)
    calls: int = 0
    started: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    writes: int = 0
    up: bool = True
    hung: bool = False
    """Its executor takes actions and never answers (or the DC's message was lost)."""


class Bus:
    def __init__(self, names: list[str], cib: Cib) -> None:
        self.nodes = {n: FakeNode(n, Controller(n, cib)) for n in names}
        self.queue: deque[tuple[str, object]] = deque()
        self.now = 0.0
        self.log: list[str] = []
        self.replies: list[Reply] = []
        self.members: list[str] = []
        self.ring = 0

    @property
    def wall(self) -> float:
        return WALL0 + self.now

    def view(self, members: list[str], dc: str | None = None) -> None:
        self.ring += 1
        self.members = [m for m in members if self.nodes[m].up]
        ids = {m: str(i + 1) for i, m in enumerate(sorted(self.nodes))}
        v = ViewInfo(
            f"{self.ring:06d}",
            {m: ids[m] for m in self.members},
            dc or min(self.members),
            True,
        )
        for m in self.members:
            self.queue.append((m, ("view", v)))

    def advance(self, seconds: float) -> None:
        """Simulated time passes; every node's timer runs."""
        self.now += seconds
        for m in self.members:
            self.queue.append((m, ("timer",)))
        self.run()

    def crash(self, name: str) -> None:
        """The node's daemon dies (its resources keep running, as after kill -9)."""
        node = self.nodes[name]
        node.up = False
        node.recurring.clear()

    def restart(self, name: str, cib: Cib) -> None:
        node = self.nodes[name]
        node.ctl = Controller(name, cib)
        node.up = True

    def power_off(self, name: str) -> None:
        self.crash(name)
        self.nodes[name].running.clear()

    def submit(self, name: str, req: str, change: dict[str, object]) -> None:
        self.queue.append((name, ("submit", req, change)))

    def run(self, limit: int = 10_000) -> None:
        steps = 0
        while self.queue:
            steps += 1
            assert steps < limit, "no convergence"
            name, ev = self.queue.popleft()
            node = self.nodes[name]
            if not node.up:
                continue
            self.now += 0.001
            kind = ev[0]  # type: ignore[index]
            if kind == "view":
                effects = node.ctl.on_view(ev[1], self.now, self.wall)  # type: ignore[index]
            elif kind == "msg":
                effects = node.ctl.on_message(ev[1], ev[2], self.now, self.wall)  # type: ignore[index]
            elif kind == "result":
                effects = node.ctl.on_op_result(ev[1], self.now, self.wall)  # type: ignore[index]
            elif kind == "submit":
                effects = node.ctl.submit(ev[1], ev[2], self.now, self.wall)  # type: ignore[index]
            else:
                effects = node.ctl.on_timer(self.now, self.wall)
            self._apply(node, effects)

    def _apply(self, node: FakeNode, effects: list[object]) -> None:
        for e in effects:
            if isinstance(e, Broadcast):
                for m in self.members:
                    if m != node.name:
                        self.queue.append((m, ("msg", node.name, e.payload)))
            elif isinstance(e, Execute):
                if not node.hung:
                    self.queue.append((node.name, ("result", self._execute(node, e))))
            elif isinstance(e, CancelRecurring):
                node.recurring.pop((e.rsc, e.action, e.interval_ms), None)
            elif isinstance(e, WriteCib):
                node.writes += 1
            elif isinstance(e, Log):
                self.log.append(f"{node.name}: {e.text}")
            elif isinstance(e, Reply):
                self.replies.append(e)

    def _execute(self, node: FakeNode, e: Execute) -> OpOutcome:
        r = e.request
        node.calls += 1
        rc = 0
        if r.action == "start":
            node.running.add(r.rsc)
            node.started.append(r.rsc)
        elif r.action == "stop":
            node.running.discard(r.rsc)
            node.stopped.append(r.rsc)
        elif r.action == "monitor":
            rc = 0 if r.rsc in node.running else 7
            if r.interval_ms > 0:
                node.recurring[r.key] = rc
        return OpOutcome(r.rsc, r.action, r.interval_ms, node.calls, rc, int(self.wall))

    def fail_monitor(self, name: str, rsc: str) -> None:
        """The resource dies on ``name``; its recurring monitor notices."""
        node = self.nodes[name]
        node.running.discard(rsc)
        for key in list(node.recurring):
            if key[0] == rsc:
                node.calls += 1
                node.recurring[key] = 7
                out = OpOutcome(key[0], key[1], key[2], node.calls, 7, int(self.wall))
                self.queue.append((name, ("result", out)))

    def where(self, rsc: str) -> list[str]:
        return sorted(n for n, node in self.nodes.items() if rsc in node.running)
