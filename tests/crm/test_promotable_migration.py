"""Issue 10: the migration and the verdict agree. Loading renames the roles
Master/Slave, so it also writes ``ms`` (``<master>``) as the promotable clone
it is and ``master-max``/``master-node-max`` by their modern names, from crm
text and from XML alike; ``verify`` then finds nothing deprecated."""

from __future__ import annotations

from pathlib import Path

from paceline.cib.codec import decode_cib
from paceline.cib.model import Cib, Clone
from paceline.crm import load, load_cib, show
from paceline.crm.verify import verify

SEED = Path(__file__).resolve().parents[2] / "examples" / "seed-cluster.crm"

MASTER_XML = b"""<cib validate-with="pacemaker-3.0" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes/><resources>
    <master id="ms_d">
      <meta_attributes id="ms_d-meta">
        <nvpair id="ms_d-meta-max" name="master-max" value="1"/>
        <nvpair id="ms_d-meta-notify" name="notify" value="true"/>
      </meta_attributes>
      <primitive id="d" class="ocf" provider="pacemaker" type="Stateful"/>
    </master></resources><constraints/></configuration><status/></cib>"""


def _deprecated(cib: Cib) -> list[str]:
    return [f.message for f in verify(cib) if "deprecated" in f.message]


def test_the_seed_loads_to_nothing_verify_calls_deprecated() -> None:
    cib, notices = load(Cib(), SEED.read_text(), file=str(SEED))
    ms = next(r for r in cib.configuration.resources if r.id == "ms_drbd")
    assert isinstance(ms, Clone) and not ms.legacy_master
    assert ms.meta_attributes[0].get("promotable") == "true"  # type: ignore[union-attr]
    assert _deprecated(cib) == []
    assert any("written as clone ms_drbd meta promotable=true" in n.what for n in notices)


def test_xml_master_is_migrated_as_crm_text_is() -> None:
    cib, notices = load_cib(Cib(), decode_cib(MASTER_XML, file="m.xml"), file="m.xml")
    assert show(cib).endswith(
        "clone ms_d d \\\n\tmeta promotable=true promoted-max=1 notify=true\n"
    )
    assert [n.what for n in notices] == [
        "ms ms_d: written as clone ms_d meta promotable=true",
        "ms ms_d: master-max=1 written as promoted-max=1",
    ]
    assert _deprecated(cib) == []
    via_text, _ = load(
        Cib(), "primitive d ocf:pacemaker:Stateful\nms ms_d d meta master-max=1 notify=true\n"
    )
    assert show(via_text).endswith(
        "clone ms_d d \\\n\tmeta promotable=true promoted-max=1 notify=true\n"
    )


def test_a_modern_name_set_too_wins() -> None:
    cib, notices = load(
        Cib(), "primitive d Dummy\nms m d meta master-max=2 promoted-max=1\n", file="x"
    )
    assert "meta promotable=true promoted-max=1\n" in show(cib)
    assert any(n.what == "ms m: master-max=2 not stored" for n in notices)
