"""The lab registry: one JSON record per lab, the only way labs are found again.

A record is written *before* anything of the lab exists (its index, hence
every name and address, is fixed there), and updated as processes start, so
that ``paceline lab down --all`` can remove whatever a crashed run left
behind without guessing a single name. The directory
(``/run/paceline-lab`` unless ``PACELINE_LAB_REGISTRY`` says otherwise) is
root-only: records hold each lab's power-API secret. Changes happen under
an exclusive ``flock`` so that the CLI, the test fixtures and the power
server of one lab can update the same record safely.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from paceline.core.errors import ConfigError, PacelineError
from paceline.lab.impair import Impairments
from paceline.lab.plan import MAX_LABS, LabPlan, build_plan, check_lab_name, free_index, prefix_for

FORMAT = 1


def registry_root() -> Path:
    return Path(os.environ.get("PACELINE_LAB_REGISTRY", "/run/paceline-lab"))


def labs_root() -> Path:
    """Where labs keep node directories; under ``/tmp`` so that a node's private ``/tmp`` hides them."""
    return Path(os.environ.get("PACELINE_LAB_DIR", "/tmp/paceline-lab"))


@dataclass(frozen=True, slots=True)
class PowerInfo:
    """The lab's power API (a Redfish service on the host's public address)."""

    address: str
    port: int
    user: str
    secret: str
    pid: int | None = None


@dataclass(frozen=True, slots=True)
class LabRecord:
    name: str
    index: int
    nodes: int
    rings: int
    arbitrator: bool
    scenario: str
    labdir: str
    checkout: str
    owner: str  # who made it: "cli", "pytest:<pid>", ...
    owner_pid: int
    created: float  # wall clock, for humans
    state: str = "creating"  # creating -> up; down removes the record
    visible: tuple[str, ...] = ()  # host paths bound back at the same path in every node
    cgroup: str | None = None  # the lab's cgroup v2 directory, when the freezer is usable
    power: PowerInfo | None = None
    inits: Mapping[str, int] = field(default_factory=dict)  # node -> host PID of its init
    # node -> loops it attached, as "DEVICE MAJ:MIN INO" of the backing file at attach time
    loops: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pulled: tuple[str, ...] = ()  # cables pulled (link names)
    frozen: tuple[str, ...] = ()  # nodes frozen
    impairments: Impairments = field(default_factory=Impairments)

    @property
    def prefix(self) -> str:
        return prefix_for(self.index)

    @property
    def plan(self) -> LabPlan:
        return build_plan(
            self.name, self.index, self.nodes, rings=self.rings, arbitrator=self.arbitrator
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["format"] = FORMAT
        data["impairments"] = self.impairments.to_json()
        data["loops"] = {k: list(v) for k, v in self.loops.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LabRecord:
        data = dict(data)
        if data.pop("format", None) != FORMAT:
            raise PacelineError(f"lab record {data.get('name')!r} has an unknown format")
        power = data.pop("power")
        return cls(
            **{
                **data,
                "power": PowerInfo(**power) if power else None,
                "inits": {k: int(v) for k, v in data["inits"].items()},
                "loops": {k: tuple(v) for k, v in data["loops"].items()},
                "pulled": tuple(data["pulled"]),
                "visible": tuple(data["visible"]),
                "frozen": tuple(data["frozen"]),
                "impairments": Impairments.from_json(data["impairments"]),
            }
        )


def host_occupied(index: int) -> bool:
    """Whether this machine already has namespaces or links of lab index ``index`` (a lab of
    another registry, e.g. a test's private one): such an index is never handed out."""
    prefix = prefix_for(index)
    return any(
        Path(p).exists()
        for p in (f"/sys/class/net/{prefix}b0", f"/run/netns/{prefix}n1", f"/run/netns/{prefix}w")
    )


class Registry:
    def __init__(
        self, root: Path | None = None, *, occupied: Callable[[int], bool] = host_occupied
    ) -> None:
        self.root = root or registry_root()
        self._occupied = occupied

    def _path(self, name: str) -> Path:
        return self.root / f"{check_lab_name(name)}.json"

    @contextmanager
    def locked(self) -> Iterator[None]:
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        with open(self.root / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, rec: LabRecord) -> None:
        path = self._path(rec.name)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(rec.to_json(), f, indent=1, sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def _read(self, path: Path) -> LabRecord:
        try:
            return LabRecord.from_json(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError) as exc:
            raise PacelineError(f"{path}: unreadable lab record ({exc})") from exc

    def records(self) -> list[LabRecord]:
        if not self.root.is_dir():
            return []
        return sorted((self._read(p) for p in self.root.glob("*.json")), key=lambda r: r.index)

    def get(self, name: str) -> LabRecord | None:
        path = self._path(name)
        return self._read(path) if path.exists() else None

    def require(self, name: str) -> LabRecord:
        rec = self.get(name)
        if rec is None:
            raise ConfigError(
                "no such lab",
                field="--name",
                text=name,
                expected="a lab started by `paceline lab up`",
            )
        return rec

    def create(self, make: Callable[[int], LabRecord]) -> LabRecord:
        """Allocate the smallest free index and record the lab ``make(index)`` builds."""
        with self.locked():
            records = self.records()
            taken = {r.index for r in records}
            rec = make(
                free_index(
                    taken | {i for i in range(MAX_LABS) if i not in taken and self._occupied(i)}
                )
            )
            if any(r.name == rec.name for r in records):
                raise ConfigError(
                    "a lab of this name exists",
                    field="--name",
                    text=rec.name,
                    expected=f"another name, or `paceline lab down --name {rec.name}` first",
                )
            self._write(rec)
            return rec

    def update(self, name: str, change: Callable[[LabRecord], LabRecord]) -> LabRecord:
        with self.locked():
            rec = change(self.require(name))
            self._write(rec)
            return rec

    def set(self, name: str, **fields: Any) -> LabRecord:
        return self.update(name, lambda r: replace(r, **fields))

    def remove(self, name: str) -> None:
        with self.locked():
            self._path(name).unlink(missing_ok=True)
