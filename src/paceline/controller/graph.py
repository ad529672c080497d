"""Executing one transition: which actions may run, which are done, abort.

A ``Graph`` numbers the scheduler's actions, keeps each one's inputs (the
edges), and hands out the actions whose inputs are all confirmed. Actions
no executor runs (pseudo actions, ``do_shutdown`` and other node-level
tasks) are confirmed as soon as they are ready. After ``abort`` nothing
new is handed out; the graph is finished once nothing is in flight.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from paceline.scheduler import Act, Transition

EXECUTABLE = frozenset({"start", "stop", "monitor", "promote", "demote", "notify", "reload"})


class StepState(enum.Enum):
    PENDING = "pending"
    IN_FLIGHT = "in-flight"
    DONE = "done"
    FAILED = "failed"


@dataclass(slots=True)
class Step:
    aid: int
    act: Act
    inputs: set[int] = field(default_factory=set)
    state: StepState = StepState.PENDING

    @property
    def executable(self) -> bool:
        return not self.act.pseudo and self.act.node is not None and self.act.task in EXECUTABLE


class Graph:
    def __init__(self, tid: int, transition: Transition) -> None:
        self.tid = tid
        self.transition = transition
        self.steps: dict[int, Step] = {}
        index: dict[Act, int] = {}
        for aid, act in enumerate(transition.actions):
            self.steps[aid] = Step(aid, act)
            index[act] = aid
        for before, after in transition.edges:
            a, b = index.get(before), index.get(after)
            if a is not None and b is not None and a != b:
                self.steps[b].inputs.add(a)
        self.aborted: str | None = None

    def abort(self, reason: str) -> None:
        if self.aborted is None:
            self.aborted = reason

    def ready(self) -> list[Step]:
        """The steps to start now, marked in flight (node-less ones confirmed at once)."""
        out: list[Step] = []
        progress = True
        while progress and self.aborted is None:
            progress = False
            for step in self.steps.values():
                if step.state is not StepState.PENDING:
                    continue
                if any(self.steps[i].state is not StepState.DONE for i in step.inputs):
                    continue
                if step.executable:
                    step.state = StepState.IN_FLIGHT
                    out.append(step)
                else:
                    step.state = StepState.DONE
                    progress = True
        return out

    def confirm(self, aid: int, ok: bool) -> Step | None:
        step = self.steps.get(aid)
        if step is None or step.state is not StepState.IN_FLIGHT:
            return None
        step.state = StepState.DONE if ok else StepState.FAILED
        return step

    def in_flight(self) -> list[Step]:
        return [s for s in self.steps.values() if s.state is StepState.IN_FLIGHT]

    @property
    def finished(self) -> bool:
        if self.in_flight():
            return False
        if self.aborted is not None:
            return True
        return (
            all(s.state is StepState.DONE for s in self.steps.values()) or not self._can_progress()
        )

    def _can_progress(self) -> bool:
        for step in self.steps.values():
            if step.state is StepState.PENDING and all(
                self.steps[i].state is StepState.DONE for i in step.inputs
            ):
                return True
        return False

    @property
    def complete(self) -> bool:
        return all(s.state is StepState.DONE for s in self.steps.values())

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in StepState}
        for step in self.steps.values():
            out[step.state.value] += 1
        return out
