"""Command line: ``neuroexam`` (the TUI), ``exam``, ``assess``, ``export``, ``protocols check``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from neuroexam import __version__

if TYPE_CHECKING:
    from neuroexam.core.models import Exam

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

    exam = commands.add_parser(
        "exam",
        help="start an exam from the command line and open the wizard",
        description="Validate the signalment, save a new exam and open the TUI on its first step.",
    )
    exam.add_argument("--patient-id", required=True, metavar="ID", help="practice patient number")
    exam.add_argument("--name", required=True, help="patient name")
    exam.add_argument("--species", required=True, metavar="dog|cat", help="dog or cat")
    exam.add_argument(
        "--breed", required=True, help="breed name, alias or close spelling (or 'mixed')"
    )
    exam.add_argument("--age", required=True, metavar="YEARS", help="age in years, 0 to 30")
    exam.add_argument("--sex", default="unknown", metavar="S", help="M, MN, F, FS or unknown")
    exam.add_argument("--weight", metavar="KG", help="weight in kg, above 0, at most 200")
    exam.add_argument("--examiner", default="", metavar="NAME", help="who examines")
    exam.add_argument("--signs", default="", metavar="A;B", help="';'-separated sign ids")

    export = commands.add_parser(
        "export",
        help="write the stored exams as a findings CSV (FORMAT.md layout)",
        description="Write every complete exam in the records as a findings CSV (FORMAT.md §2).",
    )
    export.add_argument("--out", type=Path, metavar="FILE", help="CSV file (default: stdout)")
    export.add_argument(
        "--include-unfinished", action="store_true", help="also write exams still in progress"
    )

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


def _run_tui(start_exam: Exam | None = None) -> int:
    """The TUI home, or straight into the wizard on ``start_exam``."""
    from neuroexam.records.store import Store, StoreError
    from neuroexam.tui.app import NeuroExamApp

    try:
        store = Store()
    except StoreError as exc:
        print(f"neuroexam: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        NeuroExamApp(store=store, start_exam=start_exam).run()
    except StoreError as exc:
        print(f"neuroexam: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        store.close()
    return EXIT_OK


#: Intake field → the ``exam`` option that carries it.
_EXAM_OPTIONS = {"species": "--species", "age": "--age", "sex": "--sex", "weight": "--weight"}


def _exam(args: argparse.Namespace) -> int:
    from datetime import datetime

    from neuroexam.core.ids import new_exam_id
    from neuroexam.core.intake import IntakeError, UnknownSigns, build_patient, parse_signs
    from neuroexam.core.models import Exam
    from neuroexam.core.protocol import ProtocolError, shipped
    from neuroexam.core.rules import breed_index

    def fail(option: str, message: str, got: str | None) -> int:
        _field, _, expected = message.partition(": ")
        shown = f" (got {got!r})" if got is not None else ""
        print(f"neuroexam exam: {option}: expected {expected}{shown}", file=sys.stderr)
        return EXIT_USAGE

    try:
        protocols = shipped()
    except ProtocolError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE
    try:
        intake = build_patient(
            species=args.species,
            patient_id=args.patient_id,
            name=args.name,
            breed=args.breed,
            age=args.age,
            sex=args.sex,
            weight=args.weight,
            breeds=breed_index(protocols),
        )
    except IntakeError as exc:
        for problem in exc.problems:
            option = _EXAM_OPTIONS.get(problem.field, f"--{problem.field}")
            fail(option, problem.message, getattr(args, problem.field, None))
        return EXIT_USAGE
    try:
        signs = parse_signs(args.signs, protocols.sign_ids())
    except UnknownSigns as exc:
        ids = ", ".join(repr(u) for u in exc.unknown)
        print(
            f"neuroexam exam: --signs: unknown sign id {ids}; valid ids: {', '.join(exc.valid)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    for warning in intake.warnings:
        print(f"neuroexam exam: warning: {warning}", file=sys.stderr)
    now = datetime.now().astimezone()
    exam = Exam(
        exam_id=new_exam_id(now),
        exam_date=now,
        examiner=args.examiner.strip(),
        patient=intake.patient,
        signs=signs,
    )
    return _run_tui(exam)


def _export(args: argparse.Namespace) -> int:
    import io

    from neuroexam.core.protocol import ProtocolError, shipped
    from neuroexam.records.csvio import write_findings
    from neuroexam.records.store import Store, StoreError

    target = args.out if args.out is not None else "stdout"
    try:
        store = Store()
        try:
            exams = store.load_exams(include_unfinished=args.include_unfinished)
        finally:
            store.close()
        protocols = shipped()
        if args.out is None:
            text = io.StringIO()
            count = write_findings(exams, text, protocols)
            sys.stdout.flush()
            out = getattr(sys.stdout, "buffer", None)
            if out is None:
                sys.stdout.write(text.getvalue())
            else:  # bytes as written: CRLF rows even where text mode would translate them
                out.write(text.getvalue().encode("utf-8"))
                out.flush()
        else:
            count = write_findings(exams, args.out, protocols)
    except (StoreError, ProtocolError) as exc:
        print(f"neuroexam export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        print(f"neuroexam export: cannot write {target}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.out is not None:
        print(f"wrote {count} findings of {len(exams)} exams to {args.out}")
    return EXIT_OK


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
    if args.command is None:
        return _run_tui()
    if args.command == "exam":
        return _exam(args)
    if args.command == "assess":
        return _assess(args)
    if args.command == "export":
        return _export(args)
    if args.command == "protocols":
        if args.protocols_command != "check":
            parser.parse_args(["protocols", "--help"])
        return _protocols_check(args)
    parser.print_help()
    return EXIT_OK
