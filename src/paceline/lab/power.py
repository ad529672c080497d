"""The lab's power switch as a Redfish service, so that real fence agents fence lab nodes.

``python -m paceline.lab.power --name LAB`` serves HTTPS on the host's
address on the lab's public bridge (``https://198.18.N.1:8443``), with HTTP
Basic authentication (user ``paceline``, a per-lab random password kept in
the lab's registry record). It speaks the subset of DMTF Redfish that
Debian's ``fence_redfish`` uses, one *ComputerSystem* per node:

- ``GET /redfish/v1`` -> ``{"Systems": {"@odata.id": "/redfish/v1/Systems"}}``
- ``GET /redfish/v1/Systems`` -> the members, one per node
- ``GET /redfish/v1/Systems/<node>`` -> ``PowerState`` ``On``/``Off`` and the reset action
- ``POST /redfish/v1/Systems/<node>/Actions/ComputerSystem.Reset`` with
  ``{"ResetType": T}``: ``On``, ``ForceOff`` (power cut), ``GracefulShutdown``,
  ``ForceRestart`` / ``PowerCycle`` (cut, then on), ``GracefulRestart``.

From inside a node::

    fence_redfish --ip=198.18.N.1 --ipport=8443 --username=paceline \\
        --password=SECRET --ssl-insecure --systems-uri=/redfish/v1/Systems/node2 -o off

(``fence_params()`` gives these as stonith resource parameters.) The
certificate is self-signed and made at start; the service is a process of
the lab, started by ``lab up`` and stopped by ``lab down``.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hmac
import json
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from paceline.lab.lab import Lab
from paceline.lab.registry import LabRecord, Registry
from paceline.lab.sh import LabError

ROOT = "/redfish/v1"
RESET_TYPES = (
    "On",
    "ForceOff",
    "GracefulShutdown",
    "GracefulRestart",
    "ForceRestart",
    "PowerCycle",
)


def fence_params(rec: LabRecord, node: str) -> dict[str, str]:
    """Parameters of ``fence_redfish`` (as a stonith resource's params, or the agent's stdin
    ``key=value`` lines) that power ``node`` of this lab; add ``pcmk_host_list=<node>``."""
    if rec.power is None:
        raise LabError(f"lab {rec.name} runs no power API (it was made with --no-power-api)")
    rec.plan.node(node)
    return {
        "ip": rec.power.address,
        "ipport": str(rec.power.port),
        "username": rec.power.user,
        "password": rec.power.secret,
        "ssl_insecure": "1",
        "systems_uri": f"{ROOT}/Systems/{node}",
    }


def make_certificate(directory: Path, address: str) -> tuple[Path, Path]:
    """A self-signed certificate for ``address`` (the agents run with ``ssl_insecure``)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"paceline-lab {address}")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(address))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "power-cert.pem", directory / "power-key.pem"
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


class PowerService:
    """The decisions of the service (who may do what to which node), apart from HTTP."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        rec = lab.record
        assert rec.power is not None
        token = f"{rec.power.user}:{rec.power.secret}".encode()
        self._expected = b"Basic " + base64.b64encode(token)
        self._lock = threading.Lock()  # one power operation at a time, like one switch

    def authorized(self, header: str | None) -> bool:
        return header is not None and hmac.compare_digest(header.encode(), self._expected)

    def system(self, node: str) -> dict[str, Any]:
        uri = f"{ROOT}/Systems/{node}"
        return {
            "@odata.id": uri,
            "@odata.type": "#ComputerSystem.v1_5_0.ComputerSystem",
            "Id": node,
            "Name": node,
            "PowerState": "On" if self.lab.running(node) else "Off",
            "Actions": {
                "#ComputerSystem.Reset": {
                    "target": f"{uri}/Actions/ComputerSystem.Reset",
                    "ResetType@Redfish.AllowableValues": list(RESET_TYPES),
                }
            },
        }

    def get(self, path: str) -> tuple[int, dict[str, Any]]:
        path = path.rstrip("/")
        nodes = self.lab.plan.node_names
        if path == ROOT:
            return 200, {
                "@odata.id": ROOT,
                "Id": "RootService",
                "Systems": {"@odata.id": f"{ROOT}/Systems"},
            }
        if path == f"{ROOT}/Systems":
            return 200, {
                "@odata.id": path,
                "Members@odata.count": len(nodes),
                "Members": [{"@odata.id": f"{ROOT}/Systems/{n}"} for n in nodes],
            }
        node = path.removeprefix(f"{ROOT}/Systems/")
        if node in nodes:
            return 200, self.system(node)
        return 404, {"error": {"message": f"no resource {path}"}}

    def reset(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        node = path.removeprefix(f"{ROOT}/Systems/").removesuffix("/Actions/ComputerSystem.Reset")
        if node not in self.lab.plan.node_names or not path.endswith(
            "/Actions/ComputerSystem.Reset"
        ):
            return 404, {"error": {"message": f"no action {path}"}}
        kind = body.get("ResetType")
        if kind not in RESET_TYPES:
            return 400, {"error": {"message": f"ResetType must be one of {', '.join(RESET_TYPES)}"}}
        lab = self.lab
        with self._lock:
            if kind == "On":
                lab.power_on(node)
            elif kind == "ForceOff":
                lab.power_off(node)
            elif kind == "GracefulShutdown":
                lab.shutdown(node)
            elif kind == "GracefulRestart":
                lab.reboot(node)
            else:  # ForceRestart, PowerCycle
                lab.power_off(node)
                lab.power_on(node)
        return 204, {}


def _handler(service: PowerService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "paceline-lab-power/1"

        def _reply(self, code: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode() if code != 204 else b""
            self.send_response(code)
            if code == 401:
                self.send_header("WWW-Authenticate", 'Basic realm="paceline-lab"')
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if not service.authorized(self.headers.get("Authorization")):
                self._reply(401, {"error": {"message": "authentication required"}})
                return
            self._reply(*service.get(self.path))

        def do_POST(self) -> None:
            if not service.authorized(self.headers.get("Authorization")):
                self._reply(401, {"error": {"message": "authentication required"}})
                return
            length = min(int(self.headers.get("Content-Length") or 0), 65536)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                self._reply(400, {"error": {"message": "body is not JSON"}})
                return
            try:
                self._reply(*service.reset(self.path, body if isinstance(body, dict) else {}))
            except Exception as exc:  # a failed power operation is the client's 500, not our crash
                self._reply(500, {"error": {"message": str(exc)}})

    return Handler


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m paceline.lab.power")
    ap.add_argument("--name", required=True)
    ap.add_argument("--registry", required=True)
    args = ap.parse_args(argv)
    lab = Lab(args.name, Registry(Path(args.registry)))
    rec = lab.record
    if rec.power is None:
        print(f"lab {args.name}: no power API configured", file=sys.stderr)
        return 2
    cert, key = make_certificate(Path(rec.labdir), rec.power.address)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    server = ThreadingHTTPServer((rec.power.address, rec.power.port), _handler(PowerService(lab)))
    server.daemon_threads = True
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(
        f"power API of lab {args.name} on https://{rec.power.address}:{rec.power.port}{ROOT}",
        flush=True,
    )
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
