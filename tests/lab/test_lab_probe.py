"""Host-side probes and their timelines, against real services on loopback (no root)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from paceline.lab.probe import Prober, Sample, probe_http, probe_tcp, segments


class Whoami(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code, body = (200, b"node1\n") if self.path == "/whoami.txt" else (404, b"no\n")
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web() -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Whoami)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_http_probe_reads_the_first_line_and_flags_errors(web: int) -> None:
    ok = probe_http(f"http://127.0.0.1:{web}/whoami.txt")
    assert (ok.ok, ok.answer) == (True, "node1") and ok.elapsed >= 0
    missing = probe_http(f"http://127.0.0.1:{web}/nope")
    assert (missing.ok, missing.answer) == (False, "HTTP 404")


def test_tcp_probe_reports_a_banner_or_a_refusal() -> None:
    srv = socket.create_server(("127.0.0.1", 0))
    port = srv.getsockname()[1]

    def serve() -> None:
        conn, _ = srv.accept()
        conn.sendall(b"node2 ready\r\n")
        conn.close()

    t = threading.Thread(target=serve)
    t.start()
    got = probe_tcp("127.0.0.1", port)
    t.join()
    srv.close()
    assert (got.ok, got.answer) == (True, "node2 ready")
    refused = probe_tcp("127.0.0.1", port, timeout=0.5)
    assert (refused.ok, refused.answer) == (False, "ConnectionRefusedError")


def test_segments_fold_runs_of_the_same_answer() -> None:
    samples = [
        Sample(0.0, 0.01, True, "node1"),
        Sample(0.1, 0.01, True, "node1"),
        Sample(0.2, 0.5, False, "TimeoutError"),
        Sample(0.3, 0.5, False, "TimeoutError"),
        Sample(0.4, 0.01, True, "node2"),
    ]
    got = segments(samples)
    assert [(s.ok, s.answer, s.first, s.last, s.count) for s in got] == [
        (True, "node1", 0.0, 0.1, 2),
        (False, "TimeoutError", 0.2, 0.3, 2),
        (True, "node2", 0.4, 0.4, 1),
    ]


def test_prober_samples_until_closed(web: int) -> None:
    with Prober(lambda: probe_http(f"http://127.0.0.1:{web}/whoami.txt"), period=0.01) as p:
        while len(p.samples) < 3:
            threading.Event().wait(0.01)
    n = len(p.samples)
    assert n >= 3 and all(s.ok for s in p.samples)
    assert [s.answer for s in p.segments()] == ["node1"]
    assert all(a.at < b.at for a, b in zip(p.samples, p.samples[1:], strict=False))
    threading.Event().wait(0.05)
    assert len(p.samples) == n  # the thread stopped with the context
