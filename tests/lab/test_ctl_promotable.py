"""A promotable clone (``ocf:pacemaker:Stateful``) on a two-node Paceline lab cluster.

The agent sets its promotion score with ``crm_master`` (our tool, through
the node daemon's socket and the DC into the status section); one instance
is promoted, the other runs unpromoted; when the promoted node is powered
off, the survivor's instance is promoted.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest

from paceline.cib.model import Cib
from paceline.crm import api
from paceline.lab import cluster as C
from paceline.lab.fixtures import running_lab
from paceline.lab.lab import Lab

pytestmark = [pytest.mark.lab, pytest.mark.slow]

CONFIG = """\
primitive st ocf:pacemaker:Stateful \\
    op monitor interval=3s role=Promoted timeout=20s op monitor interval=4s role=Unpromoted timeout=20s
clone ms-st st meta promotable=true promoted-max=1 clone-max=2
property stonith-enabled=false
"""


@pytest.fixture(scope="module")
def lab(lab_ok: None) -> Iterator[Lab]:
    with running_lab(f"ctlp{os.getpid()}", 2, power_api=False) as lab:
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


def roles(lab: Lab, node: str) -> tuple[list[str], list[str]]:
    text = C.paceline(lab, node, "status")
    promoted = re.search(r"Promoted: \[ (.*?) \]", text)
    unpromoted = re.search(r"Unpromoted: \[ (.*?) \]", text)
    return (
        promoted.group(1).split() if promoted else [],
        unpromoted.group(1).split() if unpromoted else [],
    )


def test_ctl_promoted_on_one_node_and_moved_when_it_dies(lab: Lab) -> None:
    nodes = list(lab.plan.node_names)
    C.wait(
        lambda: len(roles(lab, nodes[0])[0]) == 1 and len(roles(lab, nodes[0])[1]) == 1, 60, "roles"
    )
    promoted, unpromoted = roles(lab, nodes[0])
    assert promoted != unpromoted
    survivor = unpromoted[0]
    lab.power_off(promoted[0])
    C.wait(lambda: roles(lab, survivor)[0] == [survivor], 60, "promotion on the survivor")
