"""Shadow CIBs on a running cluster (issue 10): ``cib commit`` sends the
shadow's configuration through the DC like every live configure commit, and
a live CIB changed since the shadow was made refuses it. Two lab nodes with
real daemons (``paceline cluster start``) and the Dummy agent."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from paceline.cib.model import Cib
from paceline.crm import api
from paceline.lab import cluster as C
from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]
pytest.importorskip("paceline.runtime.membershipd")

CONFIG = """\
primitive d1 ocf:pacemaker:Dummy op monitor interval=5s timeout=20s
property stonith-enabled=false
"""


@pytest.fixture(scope="module")
def lab(lab_ok: None) -> Iterator[Lab]:
    with running_lab(f"refine{os.getpid()}", 2, power_api=False) as lab:
        nodes = list(lab.plan.node_names)
        cib, _ = api.load(Cib(), CONFIG)
        C.setup(lab, nodes, cib=cib)
        for n in nodes:
            C.start(lab, n)
        try:
            yield lab
        finally:
            for n in nodes:
                C.stop(lab, n)


def _settled(lab: Lab) -> bool:
    nodes = list(lab.plan.node_names)
    states = [C.status(lab, n) for n in nodes]
    return (
        all(s["state"] in ("idle", "not-dc") for s in states)
        and len({s["version"] for s in states}) == 1
        and all(sorted(s["members"]) == sorted(nodes) for s in states)
    )


def test_shadow_commit_goes_through_the_dc_and_a_stale_one_is_refused(lab: Lab) -> None:
    one, two = lab.plan.node_names[:2]
    C.wait(lambda: _settled(lab), 90, "cluster formed")
    C.paceline(lab, one, "configure", "cib", "new", "stage")
    C.paceline(lab, one, "configure", "primitive", "extra", "ocf:pacemaker:Dummy")
    assert "primitive extra" in C.paceline(lab, one, "configure", "show")
    assert "primitive extra" not in C.paceline(lab, two, "configure", "show")  # live: untouched
    C.paceline(lab, one, "configure", "cib", "commit")
    C.wait(
        lambda: "primitive extra" in C.paceline(lab, two, "configure", "show"),
        30,
        "the shadow's change on the other node",
    )
    C.wait(lambda: _settled(lab), 60, "settled after the commit")
    # a change made meanwhile elsewhere: the shadow's commit is refused
    C.paceline(lab, one, "configure", "cib", "new", "late", "--force")
    C.paceline(lab, one, "configure", "primitive", "late1", "ocf:pacemaker:Dummy")
    C.paceline(lab, two, "configure", "property", "cluster-recheck-interval=9min")
    C.wait(lambda: _settled(lab), 60, "the other node's change everywhere")
    refused = lab.exec(
        one, ["sh", "-c", f"{sys.executable} -m paceline.cli.main configure cib commit late"]
    )
    assert refused.returncode == 1
    assert "live CIB changed since the shadow was made" in refused.stderr
    assert "primitive late1" not in C.paceline(lab, two, "configure", "show")
