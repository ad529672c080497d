"""The event heap, scopes, the event budget, seeded RNGs and node clocks."""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paceline.core.ports import Clock, WallClock
from paceline.sim.world import BudgetExceeded, Scope, SimClock, Simulator

# No timing in tests: the machine is shared and loaded (hypothesis's deadline is one).
NO_DEADLINE = settings(deadline=None)


def test_events_run_in_time_order_and_ties_in_scheduling_order() -> None:
    sim, ran = Simulator(1), []
    for name, when in [("c", 2.0), ("a", 1.0), ("b1", 1.5), ("b2", 1.5), ("b3", 1.5)]:
        sim.call_at(when, partial(lambda n: ran.append((sim.now, n)), name))
    sim.run()
    assert ran == [(1.0, "a"), (1.5, "b1"), (1.5, "b2"), (1.5, "b3"), (2.0, "c")]


def test_the_past_means_now_and_run_until_stops_the_clock_there() -> None:
    sim, ran = Simulator(1), []
    sim.run_until(5.0)
    sim.call_at(1.0, lambda: ran.append(sim.now))
    sim.call_later(10.0, lambda: ran.append(sim.now))
    sim.run_until(7.0)
    assert ran == [5.0] and sim.now == 7.0 and sim.pending() == 1
    with pytest.raises(ValueError, match="negative delay"):
        sim.call_later(-1.0, lambda: None)


def test_cancelled_handles_and_scopes_never_run() -> None:
    sim, ran = Simulator(1), []
    node = Scope("n1")
    sim.call_at(1.0, lambda: ran.append("handle")).cancel()
    sim.call_at(1.0, lambda: ran.append("scoped"), node)
    sim.call_at(0.5, node.cancel)
    sim.call_at(2.0, lambda: ran.append("other"))
    sim.run()
    assert ran == ["other"]


def test_event_budget_stops_a_livelock() -> None:
    sim = Simulator(9, max_events=100)

    def spin() -> None:
        sim.call_later(0.0, spin)

    sim.call_later(0.0, spin)
    with pytest.raises(BudgetExceeded, match="seed 9: event budget of 100 spent"):
        sim.run()


def test_forked_rngs_are_seeded_and_independent() -> None:
    a, b = Simulator(5), Simulator(5)
    assert a.fork_rng("net").random() == b.fork_rng("net").random()
    assert a.fork_rng("net").random() != a.fork_rng("disk").random()
    assert Simulator(5).rng.random() != Simulator(6).rng.random()


@NO_DEADLINE
@given(
    offset=st.floats(-1e6, 1e6),
    rate=st.floats(0.9, 1.1),
    ahead=st.floats(0, 1e5),
)
def test_a_node_clock_reaches_its_deadline_when_woken(
    offset: float, rate: float, ahead: float
) -> None:
    sim = Simulator(1)
    clock = SimClock(sim, offset, rate=rate)
    local = clock.now() + ahead
    sim.run_until(clock.to_sim(local))
    assert clock.now() >= local


def test_clocks_drift_and_the_wall_clock_steps_alone() -> None:
    sim = Simulator(1)
    fast = SimClock(sim, 10.0, rate=1.001)
    assert isinstance(fast, Clock) and isinstance(fast, WallClock)
    sim.run_until(1000.0)
    assert fast.now() == pytest.approx(10.0 + 1001.0)
    wall = fast.time()
    fast.step_wall(-30.0)
    assert fast.time() == pytest.approx(wall - 30.0)
    assert fast.now() == pytest.approx(1011.0)  # monotonic time never jumps
    with pytest.raises(ValueError, match=r"clock rate 3\.0"):
        SimClock(sim, rate=3.0)


def test_a_paused_scope_holds_its_callbacks_and_runs_them_late_in_order() -> None:
    sim, ran = Simulator(1), []
    frozen = Scope("n1")
    for name, when in [("b", 2.0), ("a", 1.0), ("c", 2.0)]:
        sim.call_at(when, partial(lambda n: ran.append((sim.now, n)), name), frozen)
    sim.call_at(1.5, lambda: ran.append((sim.now, "free")))
    frozen.pause()
    sim.run_until(3.0)
    assert ran == [(1.5, "free")]
    sim.resume(frozen)
    sim.run()
    assert ran == [(1.5, "free"), (3.0, "a"), (3.0, "b"), (3.0, "c")]


def test_run_until_never_runs_past_until_behind_a_dead_or_held_head() -> None:
    # A cancelled handle, or one held by a paused scope, at the head of the heap
    # must not let run_until pop on into a callback due after ``until``.
    sim, ran = Simulator(1), []
    frozen = Scope("n1")
    frozen.pause()
    sim.call_at(1.0, lambda: ran.append("cancelled")).cancel()
    sim.call_at(1.5, lambda: ran.append("held"), frozen)
    sim.call_at(5.0, lambda: ran.append("late"))
    sim.run_until(2.0)
    assert ran == [] and sim.now == 2.0
    sim.run_until(5.0)
    assert ran == ["late"] and sim.now == 5.0
