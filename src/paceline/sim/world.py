"""The simulator's heart: an event heap on a simulated clock, and a seeded RNG.

A run is a pure function of its seed and scenario: events are ``(time, seq,
fn)`` with ties broken by ``seq`` (the order they were scheduled), every random
draw comes from ``random.Random`` instances seeded from the run's seed (never
the global one), and nothing reads the host's clock. The same seed replays
the same run, event by event, and prints the same trace.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from paceline.core.errors import PacelineError
from paceline.sim.trace import Trace

DEFAULT_MAX_EVENTS = 5_000_000


class BudgetExceeded(PacelineError):
    """A run hit its event budget: a livelock, or a scenario far too long."""


class Scope:
    """A group of scheduled callbacks that die together (a node's life).

    Cancelling the scope cancels every callback scheduled in it, past and
    future: a crashed node's timers never fire. Pausing it (a frozen process)
    holds every callback that comes due until ``Simulator.resume``, which runs
    them late, in their original order.
    """

    __slots__ = ("alive", "held", "name", "paused")

    def __init__(self, name: str) -> None:
        self.name = name
        self.alive = True
        self.paused = False
        self.held: list[Handle] = []

    def cancel(self) -> None:
        """Cancel every callback of this scope."""
        self.alive = False
        self.held.clear()

    def pause(self) -> None:
        """Hold this scope's callbacks as they come due."""
        self.paused = True

    def __repr__(self) -> str:
        return f"Scope({self.name!r}, alive={self.alive}, paused={self.paused})"


@dataclass(order=True, slots=True)
class Handle:
    """A scheduled callback; ``cancel()`` it to keep it from running."""

    time: float
    seq: int
    fn: Callable[[], None] = field(compare=False)
    scope: Scope | None = field(compare=False, default=None)
    cancelled: bool = field(compare=False, default=False)

    def cancel(self) -> None:
        """Do not run this callback."""
        self.cancelled = True

    @property
    def live(self) -> bool:
        """Whether the callback will still run."""
        return not self.cancelled and (self.scope is None or self.scope.alive)


class Simulator:
    """The event loop of one simulated run.

    Args:
        seed: the run's seed; every random draw descends from it.
        trace: where trace lines go (a fresh in-memory ``Trace`` by default).
        max_events: a bound on callbacks run, so a runaway scenario stops.
    """

    def __init__(
        self, seed: int, *, trace: Trace | None = None, max_events: int = DEFAULT_MAX_EVENTS
    ) -> None:
        self.seed = seed
        self.rng = self.fork_rng("world")
        self.trace = trace if trace is not None else Trace()
        self.now = 0.0
        self.max_events = max_events
        self.events_run = 0
        self._heap: list[Handle] = []
        self._seq = 0

    def fork_rng(self, label: str) -> random.Random:
        """An independent RNG for ``label`` (a node, the network): adding draws
        in one part of the system does not shift the others' sequences."""
        return random.Random(f"{self.seed}/{label}")

    def call_at(self, when: float, fn: Callable[[], None], scope: Scope | None = None) -> Handle:
        """Run ``fn`` at simulated time ``when`` (now, if ``when`` is past)."""
        if when != when:  # NaN would corrupt the heap order
            raise ValueError("cannot schedule at NaN")
        self._seq += 1
        handle = Handle(max(when, self.now), self._seq, fn, scope)
        heapq.heappush(self._heap, handle)
        return handle

    def call_later(
        self, delay: float, fn: Callable[[], None], scope: Scope | None = None
    ) -> Handle:
        """Run ``fn`` after ``delay`` simulated seconds."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        return self.call_at(self.now + delay, fn, scope)

    def step(self, until: float = math.inf) -> bool:
        """Run the next live callback due at or before ``until``; ``False`` when none is."""
        while self._heap and self._heap[0].time <= until:
            handle = heapq.heappop(self._heap)
            if not handle.live:
                continue
            if handle.scope is not None and handle.scope.paused:
                handle.scope.held.append(handle)
                continue
            if self.events_run >= self.max_events:
                raise BudgetExceeded(
                    f"seed {self.seed}: event budget of {self.max_events} spent at t={self.now:.6f}"
                )
            self.now = handle.time
            self.events_run += 1
            handle.fn()
            return True
        return False

    def resume(self, scope: Scope) -> None:
        """Unpause ``scope``: what it held runs now, in the order it was scheduled."""
        scope.paused = False
        held, scope.held = scope.held, []
        for handle in held:  # held in the order they came due; keep it
            self._seq += 1
            handle.time, handle.seq = self.now, self._seq
            heapq.heappush(self._heap, handle)

    def run_until(self, until: float) -> None:
        """Run every callback due at or before ``until``; the clock ends at ``until``."""
        while self.step(until):
            pass
        self.now = max(self.now, until)

    def run(self) -> None:
        """Run until no callback is left (bounded by ``max_events``)."""
        while self.step():
            pass

    def pending(self) -> int:
        """Callbacks still scheduled and live."""
        return sum(1 for h in self._heap if h.live)


WALL_EPOCH = 1_800_000_000.0
"""Where simulated wall clocks start (2027-01-15): a plausible, fixed date."""


class SimClock:
    """A node's clocks: monotonic ``now()`` and wall-clock ``time()``.

    The monotonic clock reads ``offset + rate * t`` at simulated time ``t``:
    nodes' clocks start at different values and may drift (``rate`` 1.0001
    runs 100 ppm fast), as on real machines; only differences between readings
    of one clock mean anything. The wall clock runs at the same rate from
    ``WALL_EPOCH + wall_offset`` and can be stepped (``step_wall``) as NTP
    does, which the monotonic clock never is.
    """

    __slots__ = ("offset", "rate", "sim", "wall_offset")

    def __init__(
        self, sim: Simulator, offset: float = 0.0, *, rate: float = 1.0, wall_offset: float = 0.0
    ) -> None:
        if not 0.5 <= rate <= 2.0:
            raise ValueError(f"clock rate {rate} outside 0.5..2.0")
        self.sim = sim
        self.offset = offset
        self.rate = rate
        self.wall_offset = wall_offset

    def now(self) -> float:
        """The node's monotonic time."""
        return self.offset + self.rate * self.sim.now

    def time(self) -> float:
        """The node's wall-clock time, in seconds since the epoch."""
        return WALL_EPOCH + self.wall_offset + self.rate * self.sim.now

    def step_wall(self, delta: float) -> None:
        """Step the wall clock by ``delta`` seconds (either way); ``now()`` is unchanged."""
        self.wall_offset += delta

    def to_sim(self, local: float) -> float:
        """The earliest simulated time at which ``now()`` reads ``local`` or more.

        Rounded up, so a core woken for its deadline never reads a clock a
        hair before it (and asks again for the same instant, forever).
        """
        when = (local - self.offset) / self.rate
        while self.offset + self.rate * when < local:
            when = math.nextafter(when, math.inf)
        return when
