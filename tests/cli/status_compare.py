"""Running Debian's ``crm_mon -1`` and ``paceline status`` on a corpus CIB, and
comparing them with the time stamps masked (shared by the comparison test and
by anyone refreshing its allowance list)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import UTC
from pathlib import Path

from lxml import etree

from paceline.cib.codec import decode_cib
from paceline.monitor import TextOptions, render_text, render_xml, snapshot

CRM_MON = shutil.which("crm_mon") or "/usr/sbin/crm_mon"
_LAST_UPDATED = re.compile(r"^(  \* Last updated:).*$", re.M)


def mask(text: str) -> str:
    """``Last updated`` is the clock of the run; ``Last change`` is the file's
    own ``cib-last-written`` text and stays."""
    return _LAST_UPDATED.sub(r"\1 <masked>", text)


def crm_mon(path: Path, *, inactive: bool = False) -> str:
    env = dict(os.environ, CIB_file=str(path), TZ="UTC", LC_ALL="C")
    argv = [CRM_MON, "-1"] + (["-r"] if inactive else [])
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    return done.stdout


def ours(path: Path, *, inactive: bool = False) -> str:
    cib = decode_cib(path.read_bytes(), file=str(path))
    return render_text(snapshot(cib, 0), TextOptions(inactive=inactive, tz=UTC))


def first_difference(want: str, got: str) -> str:
    w, g = want.splitlines(), got.splitlines()
    for i, (a, b) in enumerate(zip(w, g, strict=False)):
        if a != b:
            return f"line {i + 1}: crm_mon {a!r} / ours {b!r}"
    return f"length: crm_mon {len(w)} lines / ours {len(g)} lines"


NODE_KEYS = ("name", "id", "online", "standby", "maintenance", "pending", "unclean", "shutdown",
             "is_dc", "resources_running", "type")  # fmt: skip
RSC_KEYS = ("id", "resource_agent", "role", "active", "orphaned", "blocked", "managed", "failed",
            "failure_ignored", "nodes_running_on")  # fmt: skip


def crm_mon_xml(path: Path) -> bytes:
    env = dict(os.environ, CIB_file=str(path), TZ="UTC", LC_ALL="C")
    argv = [CRM_MON, "-1", "--output-as=xml"]
    return subprocess.run(argv, env=env, capture_output=True, timeout=60, check=False).stdout


def ours_xml(path: Path) -> bytes:
    cib = decode_cib(path.read_bytes(), file=str(path))
    return render_xml(snapshot(cib, 0), tz=UTC).encode()


def xml_facts(data: bytes) -> dict[str, list[tuple[object, ...]]]:
    """What the XML says, section by section: every node's state, every
    resource instance (with the nodes it runs on), every failure, the counts."""
    doc = etree.fromstring(data)
    summary = doc.find("summary")
    assert summary is not None
    return {
        "nodes": [tuple(n.get(k) for k in NODE_KEYS) for n in doc.findall("nodes/node")],
        "resources": sorted(
            (
                *(r.get(k) or "" for k in RSC_KEYS),
                " ".join(x.get("name") or "" for x in r.findall("node")),
            )
            for r in doc.iter("resource")
        ),
        "failures": sorted(
            (
                f.get("op_key") or f.get("id") or "",
                f.get("node") or "",
                f.get("exitcode") or "",
                f.get("call") or "",
            )
            for f in doc.findall("failures/failure")
        ),
        "counts": [
            (e.tag, e.get("number"), e.get("disabled"), e.get("blocked"))
            for e in summary
            if e.tag in ("nodes_configured", "resources_configured")
        ],
    }
