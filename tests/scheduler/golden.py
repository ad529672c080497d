"""Running our scheduler over the shared corpus in one process, scored as score.py does."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from paceline.cib.codec import decode_cib
from paceline.cli.simulate import now, render
from paceline.scheduler import schedule_with_state, to_dot

HERE = Path(__file__).resolve().parent


def scorer(corpus: Path) -> ModuleType:
    """The corpus's own score.py (standard library only), loaded as a module."""
    spec = importlib.util.spec_from_file_location("scheduler_corpus_score", corpus / "score.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def known_failures() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (HERE / "known_failures.txt").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, reason = line.partition(" ")
        out[name] = reason.strip()
    return out


def check(corpus: Path, name: str, score: ModuleType) -> list[str]:
    """The differences between our output and Pacemaker's for one test (empty: it passes)."""
    xml = corpus / f"{name}.xml"
    cib = decode_cib(xml.read_bytes(), file=str(xml))
    cluster, transition = schedule_with_state(cib, now(cib))
    text = render(cluster, transition, simulate=True)
    expected = score.parse((corpus / f"{name}.summary").read_text(), False, False)
    actual = score.parse(text, False, False)
    diffs = []
    if expected != actual:
        diffs.append(
            f"summary: missing {dict(expected - actual)}, unexpected {dict(actual - expected)}"
        )
    diffs += score.compare_graph((corpus / f"{name}.dot").read_text(), to_dot(transition))
    return diffs


def reason(diffs: list[str]) -> str:
    """One line saying why a test fails (its first difference)."""
    return diffs[0][:160].replace("\n", " ") if diffs else ""


def main() -> None:
    """Rewrite known_failures.txt from a run over the whole corpus."""
    sys.path.insert(0, str(HERE.parent))
    from shared_paths import CORPUS

    score = scorer(CORPUS)
    lines = [
        "# name reason: corpus tests our scheduler does not match yet (this list only shrinks)"
    ]
    passed = 0
    names = sorted(p.stem for p in CORPUS.glob("*.xml"))
    for name in names:
        try:
            diffs = check(CORPUS, name, score)
        except Exception as exc:  # a crash is a failure with its reason
            diffs = [f"crash: {type(exc).__name__}: {exc}"]
        if diffs:
            lines.append(f"{name} {reason(diffs)}")
        else:
            passed += 1
    (HERE / "known_failures.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{passed}/{len(names)} pass")


if __name__ == "__main__":
    main()
