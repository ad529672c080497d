"""``paceline verify``: crm_verify for a CIB file.

    paceline verify [-x FILE | -p | --cib FILE] [-V]

Prints one line per finding (errors, warnings, then advice), and crm_verify's
summary line; ``-V`` adds a hint under each finding. Exit codes are
crm_verify's (Pacemaker 2.1.5): 0 when the configuration is valid (advice
does not count), 78 (CRM_EX_CONFIG) when it has errors or warnings, and 78
too when the file cannot be read or parsed, as crm_verify does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from paceline.cib.codec import decode_cib
from paceline.cib.model import Cib
from paceline.cib.store import read_bounded, read_cib, resolve, sig_path
from paceline.cli.limits import max_input
from paceline.cli.output import Output
from paceline.cli.paths import cib_path
from paceline.core.errors import ConfigError
from paceline.executor.agents import scan_agents

if TYPE_CHECKING:
    from paceline.crm.verify import Finding

EXIT_OK = 0
EXIT_CONFIG = 78  # CRM_EX_CONFIG, crm_verify's code for errors and for warnings

SUMMARY = {  # by Verdict name (crm.verify is imported only when something is verified)
    "ERROR": "Errors found during check: config not valid",
    "WARNING": "Warnings found during check: config may not be valid",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "verify",
        help="check a CIB for configuration errors (as crm_verify)",
        description="Check a CIB file as crm_verify does: errors, warnings and advice, "
        "one line each. Exit 0 if valid, 78 if errors or warnings were found.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("-x", "--xml-file", metavar="FILE", help="check this CIB XML file")
    source.add_argument(
        "-p", "--xml-pipe", action="store_true", help="check the CIB XML read from stdin"
    )
    # SUPPRESS: do not overwrite the global --cib when it is not given here
    source.add_argument(
        "--cib", metavar="FILE", default=argparse.SUPPRESS, help="same as the global --cib"
    )
    parser.add_argument(
        "-V", "--verbose", action="count", default=0, help="also print a hint for each finding"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = Output()
    try:
        if args.xml_pipe:
            data = read_bounded(sys.stdin.buffer, name="<stdin>", max_bytes=max_input())
            cib = decode_cib(data, file="<stdin>")
        else:
            path = Path(args.xml_file) if args.xml_file else cib_path(args)
            cib = read_cib(path, verify=sig_path(resolve(path)).exists(), max_bytes=max_input())
    except ConfigError as exc:
        out.line(f"error: {exc}", "bold red")
        out.line(f"paceline verify: {SUMMARY['ERROR']}", "bold red")
        return EXIT_CONFIG
    return report(out, check(cib), verbose=args.verbose > 0, prefix="paceline verify")


def check(cib: Cib) -> tuple[Finding, ...]:
    """Verify ``cib`` against the agents installed on this host."""
    from paceline.crm.verify import verify

    return verify(cib, agent_exists=scan_agents().exists)


def report(out: Output, findings: tuple[Finding, ...], *, verbose: bool, prefix: str) -> int:
    """Print findings and the summary; return crm_verify's exit code."""
    from paceline.crm.verify import Verdict, verdict

    for finding in findings:
        out.finding(finding, verbose=verbose)
    result = verdict(findings)
    if result is Verdict.CLEAN:
        if verbose:
            out.line(f"{prefix}: configuration is valid", "green")
        return EXIT_OK
    style = "bold red" if result is Verdict.ERROR else "yellow"
    out.line(f"{prefix}: {SUMMARY[result.name]}", style)
    return EXIT_CONFIG
