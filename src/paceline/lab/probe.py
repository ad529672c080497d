"""Probing services from the host with timestamps, for failover measurements.

``probe_tcp`` and ``probe_http`` make one attempt and return a ``Sample``
(monotonic start time, duration, success, answer). ``Prober`` repeats a
probe in a thread at a fixed period; ``segments()`` folds its samples into
runs of identical answers, from which an outage or a failover time is read:
e.g. the VIP answered ``node1`` until t1, nothing until t2, ``node2`` since.
"""

from __future__ import annotations

import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

# Lab addresses are on this machine: never through a proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True, slots=True)
class Sample:
    at: float  # time.monotonic() when the attempt started
    elapsed: float  # seconds the attempt took
    ok: bool
    answer: str  # what came back (first line of the body), or the error


def probe_tcp(host: str, port: int, timeout: float = 1.0) -> Sample:
    """One TCP connect; ``answer`` is the first line the service sends, if any within the timeout."""
    start = time.monotonic()
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.settimeout(timeout)
            try:
                first = s.recv(200).decode(errors="replace").splitlines()
            except TimeoutError:
                first = []
            return Sample(start, time.monotonic() - start, True, first[0] if first else "")
    except OSError as exc:
        return Sample(start, time.monotonic() - start, False, type(exc).__name__)


def probe_http(url: str, timeout: float = 1.0) -> Sample:
    """One GET; ok on status 200, ``answer`` = the first line of the body."""
    start = time.monotonic()
    try:
        with _DIRECT.open(url, timeout=timeout) as resp:
            body = resp.read(4096).decode(errors="replace").strip().splitlines()
            return Sample(
                start, time.monotonic() - start, resp.status == 200, body[0] if body else ""
            )
    except urllib.error.HTTPError as exc:
        return Sample(start, time.monotonic() - start, False, f"HTTP {exc.code}")
    except (OSError, urllib.error.URLError) as exc:
        return Sample(start, time.monotonic() - start, False, type(exc).__name__)


@dataclass(frozen=True, slots=True)
class Segment:
    ok: bool
    answer: str
    first: float  # start of the first sample of the run
    last: float  # start of the last sample of the run
    count: int


def segments(samples: list[Sample]) -> list[Segment]:
    """Consecutive samples with the same (ok, answer), folded."""
    out: list[Segment] = []
    for s in samples:
        if out and out[-1].ok == s.ok and out[-1].answer == s.answer:
            prev = out[-1]
            out[-1] = Segment(prev.ok, prev.answer, prev.first, s.at, prev.count + 1)
        else:
            out.append(Segment(s.ok, s.answer, s.at, s.at, 1))
    return out


class Prober:
    """Run ``attempt`` every ``period`` seconds in a thread while the context is open."""

    def __init__(self, attempt: Callable[[], Sample], period: float = 0.05) -> None:
        self.attempt = attempt
        self.period = period
        self.samples: list[Sample] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="lab-prober", daemon=True)

    def _loop(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.samples.append(self.attempt())
            next_at += self.period
            self._stop.wait(max(0.0, next_at - time.monotonic()))

    def __enter__(self) -> Prober:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def segments(self) -> list[Segment]:
        return segments(list(self.samples))
