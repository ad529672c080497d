"""Our verify verdict (error / warning / clean) against Debian's real ``crm_verify -x``.

- every hand-made case of ``test_verify_cases`` (recorded verdicts re-checked
  against the binary, and ours against the binary): all must agree;
- every input of the shared scheduler corpus with its status section
  emptied (the configuration alone): all must agree;
- every input of the shared scheduler corpus as it is: crm_verify also reports what it
  derives from the status section (unclean nodes, failed operations, stop
  actions it would schedule), which a configuration check does not see, so
  the figure is an agreement rate, with a floor; every error verdict must
  agree, and the only disagreements allowed are such status warnings.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from test_verify_cases import ALL_CASES, FENCING_CASES, Case, our_verdict

from paceline.cib.codec import decode_cib
from paceline.core.errors import ConfigError
from paceline.crm.verify import Severity, Verdict, verdict, verify

pytestmark = [
    pytest.mark.crmsh,
    pytest.mark.skipif(shutil.which("crm_verify") is None, reason="crm_verify not installed"),
]

CORPUS_FLOOR = 0.90  # measured 486/534 = 91.0% with Pacemaker 2.1.5


_ERROR_LINE = re.compile(r"^\([\w]+\)\s+error: (.*)$", re.MULTILINE)
_INSTANCE = re.compile(r"(\S+):\d+\b")  # rsc:0 -> rsc (crm_verify names clone instances)


def crm_verify_run(path: Path) -> tuple[Verdict, set[str]]:
    """crm_verify's verdict, and the error lines it prints with -V (instance numbers dropped)."""
    result = subprocess.run(
        ["crm_verify", "-V", "-x", str(path)], capture_output=True, text=True, check=False
    )
    errors = {_INSTANCE.sub(r"\1", m) for m in _ERROR_LINE.findall(result.stderr)}
    if "Errors found during check" in result.stderr:
        assert result.returncode == 78
        return Verdict.ERROR, errors
    if "Warnings found during check" in result.stderr:
        assert result.returncode == 78
        return Verdict.WARNING, errors
    assert result.returncode == 0, result.stderr
    return Verdict.CLEAN, errors


def crm_verify_verdict(path: Path) -> Verdict:
    return crm_verify_run(path)[0]


@pytest.mark.parametrize("case", ALL_CASES, ids=lambda c: c.name)
def test_hand_made_case_agrees_with_crm_verify(case: Case, tmp_path: Path) -> None:
    path = tmp_path / f"{case.name}.xml"
    path.write_text(case.xml)
    real = crm_verify_verdict(path)
    assert real is case.crm_verify, "the recorded verdict is stale"
    assert our_verdict(case)[0] is real


def ours(xml: bytes, name: str) -> Verdict:
    return ours_with_errors(xml, name)[0]


def ours_with_errors(xml: bytes, name: str) -> tuple[Verdict, set[str]]:
    try:
        findings = verify(decode_cib(xml, file=name))
    except ConfigError:
        return Verdict.ERROR, {"CIB did not pass schema validation"}
    return verdict(findings), {f.message for f in findings if f.severity is Severity.ERROR}


def without_status(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for status in root.findall("status"):
        for child in list(status):
            status.remove(child)
    return etree.tostring(root)


@pytest.mark.slow
def test_corpus_configurations_agree_exactly(corpus_dir: Path, tmp_path: Path) -> None:
    """Each corpus CIB with its status section emptied: what crm_verify says
    about the configuration alone (and the nodes it has never seen). The
    verdicts agree, and so do the error messages, line for line."""
    disagree = []
    files = sorted(corpus_dir.glob("*.xml"))
    for source in files:
        stripped = without_status(source.read_bytes())
        copy = tmp_path / source.name
        copy.write_bytes(stripped)
        real = crm_verify_run(copy)
        mine = ours_with_errors(stripped, source.name)
        if real != mine:
            disagree.append((source.name, real, mine))
    print(f"configuration-only corpus: {len(files) - len(disagree)}/{len(files)} agree")
    assert not disagree


@pytest.mark.slow
def test_corpus_agreement(corpus_dir: Path, tmp_path: Path) -> None:
    rows: list[tuple[str, Verdict, Verdict]] = []
    for source in sorted(corpus_dir.glob("*.xml")):
        copy = tmp_path / source.name  # crm_verify may write next to its input
        shutil.copyfile(source, copy)
        rows.append((source.name, crm_verify_verdict(copy), ours(source.read_bytes(), str(source))))
    agree = sum(real is ours for _, real, ours in rows)
    rate = agree / len(rows)
    print(f"verify vs crm_verify on the corpus: {agree}/{len(rows)} = {rate:.1%}")
    # The only disagreements allowed: warnings crm_verify derives from the
    # status section (nodes to fence, failed operations), which we leave clean.
    unexplained = [
        (name, real.value, ours.value)
        for name, real, ours in rows
        if real is not ours and not (real is Verdict.WARNING and ours is Verdict.CLEAN)
    ]
    assert not unexplained
    assert rate >= CORPUS_FLOOR


@pytest.mark.parametrize("case", FENCING_CASES, ids=lambda c: c.name)
def test_fencing_needs_word_for_word(case: Case, tmp_path: Path) -> None:
    """on-fail=fence and requires=fencing without fencing: the same error lines."""
    path = tmp_path / f"{case.name}.xml"
    path.write_text(case.xml)
    verdict_real, errors_real = crm_verify_run(path)
    verdict_ours, errors_ours = ours_with_errors(case.xml.encode(), path.name)
    assert (verdict_ours, errors_ours) == (verdict_real, errors_real)
