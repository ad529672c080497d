"""``paceline history`` on audit trails as the node daemon writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paceline.cli.main import main
from paceline.core.errors import ConfigError
from paceline.monitor.history import parse_audit, render_history

RECORDS = [
    {"who": "root", "origin": "n1", "when": 1764770728, "what": "move g to n2", "version": "0.7.0"},
    {"who": "alice", "origin": "n2", "when": 1764770800, "what": "standby n1", "version": "0.8.0"},
]


def trail(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)


def test_render_one_line_per_change() -> None:
    assert render_history(parse_audit(trail(RECORDS))) == (
        "2025-12-03 14:05:28  0.7.0    root@n1  move g to n2\n"
        "2025-12-03 14:06:40  0.8.0    alice@n2  standby n1\n"
    )


def test_bad_records_name_line_column_and_field() -> None:
    with pytest.raises(ConfigError, match=r"a\.jsonl:2:\d+: not a JSON record"):
        parse_audit(trail(RECORDS[:1]) + '{"who": \n', file="a.jsonl")
    with pytest.raises(ConfigError, match=r"a\.jsonl:1:1: when: missing or not a time"):
        parse_audit(trail([{**RECORDS[0], "when": "later"}]), file="a.jsonl")
    with pytest.raises(ConfigError, match="who: missing or not text"):
        parse_audit(trail([{k: v for k, v in RECORDS[0].items() if k != "who"}]))


def test_cli_reads_the_node_trail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = tmp_path / "var/lib/paceline"
    lib.mkdir(parents=True)
    (lib / "audit.jsonl").write_text(trail(RECORDS))
    assert main(["--root", str(tmp_path), "history", "-n", "1"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "alice@n2  standby n1" in out
    (lib / "audit.jsonl").write_text("[1]\n")
    assert main(["--root", str(tmp_path), "history"]) == 1
    assert "audit.jsonl:1:1: not a JSON object" in capsys.readouterr().err
