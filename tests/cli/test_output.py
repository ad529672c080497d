"""Colored output only where asked (a TTY), plain text otherwise."""

from __future__ import annotations

import io

from paceline.cli.output import Output
from paceline.crm.verify import Finding, Severity

FINDING = Finding(Severity.ERROR, "ID d1 redefined", "d1", "duplicate-id", "make ids unique")


def test_plain_text_when_not_a_tty() -> None:
    out, err = io.StringIO(), io.StringIO()
    printer = Output(out, err)  # StringIO is not a TTY
    printer.finding(FINDING, verbose=True)
    printer.error("boom")
    assert out.getvalue() == "error: ID d1 redefined\n    hint: make ids unique\n"
    assert err.getvalue() == "paceline: error: boom\n"


def test_color_when_asked() -> None:
    out = io.StringIO()
    Output(out, io.StringIO(), color=True).finding(FINDING)
    assert "\x1b[" in out.getvalue()
    assert "error: ID d1 redefined" in out.getvalue()


def test_hints_only_when_verbose() -> None:
    out = io.StringIO()
    Output(out, io.StringIO()).finding(FINDING)
    assert "hint" not in out.getvalue()
