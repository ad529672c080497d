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


def test_report_summaries_and_exit_codes() -> None:
    from paceline.cli.verify import EXIT_CONFIG, EXIT_OK, report

    warning = Finding(Severity.WARNING, "Node n1 is unclean but cannot be fenced", "n1", "x")
    advice = Finding(Severity.ADVICE, "STONITH is disabled", None, "fencing")
    cases = [
        ((FINDING, warning), EXIT_CONFIG, "v: Errors found during check: config not valid"),
        ((warning, advice), EXIT_CONFIG, "v: Warnings found during check: config may not be valid"),
        ((advice,), EXIT_OK, "advice: STONITH is disabled"),
        ((), EXIT_OK, None),
    ]
    for findings, code, last in cases:
        out = io.StringIO()
        assert report(Output(out, io.StringIO()), findings, verbose=False, prefix="v") == code
        lines = out.getvalue().splitlines()
        assert (lines[-1] if lines else None) == last


def test_crm_text_is_plain_off_a_tty_and_styled_on_one() -> None:
    text = "primitive vip IPaddr2 \\\n\tparams ip=198.18.0.64\ngroup web vip\n"
    plain = io.StringIO()
    Output(plain, io.StringIO()).crm_text(text)
    assert plain.getvalue() == text
    styled = io.StringIO()
    Output(styled, io.StringIO(), color=True).crm_text(text)
    assert "\x1b[" in styled.getvalue()
    assert "vip" in styled.getvalue() and "params" in styled.getvalue()
