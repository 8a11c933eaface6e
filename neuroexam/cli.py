"""Command line: ``neuroexam`` (the TUI), ``assess``, ``protocols check``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from neuroexam import __version__

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="neuroexam",
        description="Scratch and cutaneous trunci reflex exam for dogs and cats.",
    )
    parser.add_argument("--version", action="version", version=f"neuroexam {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    assess = commands.add_parser(
        "assess",
        help="assess exams in a findings CSV (FORMAT.md layout)",
        description="Read a findings CSV and print localisation and flags for every exam.",
    )
    assess.add_argument("file", type=Path, help="findings CSV")
    assess.add_argument("--json", action="store_true", help="print the JSON document")

    protocols = commands.add_parser("protocols", help="work with the protocol files")
    protocol_commands = protocols.add_subparsers(dest="protocols_command", metavar="ACTION")
    check = protocol_commands.add_parser(
        "check", help="validate protocol files (default: the shipped ones)"
    )
    check.add_argument("folder", nargs="?", type=Path, help="a protocols folder")
    return parser


def _assess(args: argparse.Namespace) -> int:
    from neuroexam.core.protocol import ProtocolError, shipped
    from neuroexam.core.report import render_report
    from neuroexam.records.assess import assess_file
    from neuroexam.records.csvio import CsvInputError

    try:
        report = assess_file(args.file)
        disclaimer = shipped().rules.disclaimer
    except (CsvInputError, ProtocolError) as exc:
        print(f"neuroexam assess: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(report.to_json_dict(), indent=2, ensure_ascii=False))
    else:
        print(render_report(report.assessments, report.to_json_dict()["errors"], disclaimer))
    return report.exit_status


def _protocols_check(args: argparse.Namespace) -> int:
    from neuroexam.core.protocol import ProtocolError, load_protocols

    try:
        loaded = load_protocols(args.folder)
    except ProtocolError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    breeds = loaded.breeds.breeds
    dogs = sum(b.species.value == "dog" for b in breeds)
    print(
        f"{loaded.root}: OK — {len(loaded.exams)} exam protocols, {dogs} dog and "
        f"{len(breeds) - dogs} cat breeds, {len(loaded.signs.signs)} signs, "
        f"{len(loaded.rules.flags)} flags"
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "assess":
        return _assess(args)
    if args.command == "protocols":
        if args.protocols_command != "check":
            parser.parse_args(["protocols", "--help"])
        return _protocols_check(args)
    parser.print_help()
    return EXIT_OK
