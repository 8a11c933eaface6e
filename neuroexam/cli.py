"""Command line: ``neuroexam`` (the TUI), ``exam``, ``assess``, ``export``, ``import``,
``protocols check``, ``serve``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from neuroexam import __version__
from neuroexam.core.text import safe_text

if TYPE_CHECKING:
    from neuroexam.core.models import Exam, Patient
    from neuroexam.records.backend import RecordStore
    from neuroexam.tui.screens.training import TrainingStart

EXIT_OK, EXIT_USAGE = 0, 2


def _usage_error(message: object) -> int:
    """Print ``message`` to stderr (control characters escaped); the exit status for a command
    that cannot run."""
    print(safe_text(message, multiline=True), file=sys.stderr)
    return EXIT_USAGE


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
    assess.add_argument(
        "--jobs",
        type=_jobs,
        metavar="N",
        help="processes that assess (default: one per CPU, at most 8, from 5000 exams on)",
    )

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
    exam.add_argument(
        "--yes",
        action="store_true",
        help="start even when the patient id is on record as another species",
    )

    export = commands.add_parser(
        "export",
        help="write the stored exams as a findings or summary CSV (FORMAT.md layouts)",
        description=(
            "Write the complete clinical exams in the records as a findings CSV (FORMAT.md §2, "
            "one row per finding) or a summary CSV (§3, one row per exam with its flags)."
        ),
    )
    export.add_argument("--out", type=Path, metavar="FILE", help="CSV file (default: stdout)")
    export.add_argument(
        "--layout",
        choices=("findings", "summary", "audit"),
        default="findings",
        help="findings: one row per finding (default); summary: one row per exam; "
        "audit: every change to the records (every status), oldest first",
    )
    export.add_argument("--patient", metavar="ID", help="only this patient's exams")
    export.add_argument(
        "--since", metavar="DATE", help="exams on or after DATE (2026-03-01 or 2026-03-01T09:00)"
    )
    export.add_argument("--until", metavar="DATE", help="exams on or before DATE (inclusive)")
    export.add_argument(
        "--mode",
        choices=("clinical", "training", "all"),
        default="clinical",
        help="clinical exams (default), training exams, or all",
    )
    export.add_argument(
        "--include-unfinished", action="store_true", help="also write exams still in progress"
    )
    export.add_argument(
        "--include-voided",
        action="store_true",
        help="also write voided exams (their exam_status column says voided)",
    )
    export.add_argument(
        "--bom", action="store_true", help="start with a UTF-8 byte-order mark (for Excel)"
    )

    import_ = commands.add_parser(
        "import",
        help="load exams from a findings CSV (FORMAT.md layout) into the records",
        description=(
            "Read a findings CSV (validated as assess reads it) and add its exams to the "
            "records; an exam already there (same exam_id) is skipped, a bad exam is reported "
            "and not written."
        ),
    )
    import_.add_argument("file", type=Path, help="findings CSV")

    train = commands.add_parser(
        "train",
        help="training mode: simulated patients, your grades and interpretation scored",
        description=(
            "Open training mode. With --case, --level or --seed the picked case opens straight "
            "in the wizard (with --student; else the start screen asks for the name)."
        ),
    )
    train.add_argument("--case", metavar="ID", help="a case id (protocols/cases)")
    train.add_argument(
        "--level", metavar="LEVEL", help="a random case of beginner, intermediate or advanced"
    )
    train.add_argument("--seed", type=int, metavar="N", help="seed of the random choice")
    train.add_argument("--student", default="", metavar="NAME", help="whose score it is")

    report = commands.add_parser(
        "report",
        help="write an exam's report: PDF, SOAP text or referral letter (FORMAT.md §6)",
        description=(
            "Write the report of one stored exam: a PDF for the medical record (default, into "
            "the report folder of the settings), the SOAP note as text (to stdout) or a "
            "referral letter to a neurologist (PDF). A voided exam is printed watermarked."
        ),
    )
    report.add_argument("exam_id", metavar="EXAM_ID", help="the exam's id")
    report.add_argument(
        "--format",
        choices=("pdf", "text", "referral"),
        default="pdf",
        help="pdf: the one-page report (default); text: the SOAP note; referral: the letter",
    )
    report.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="file to write (default: the report folder for PDFs, stdout for text)",
    )

    db = commands.add_parser("db", help="look after the records: backup, check, migrate")
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION")
    backup = db_commands.add_parser(
        "backup",
        help="copy the records to DEST, verified, while the app may be running",
        description=(
            "Copy the records with SQLite's online backup (the app may keep recording), check "
            "the copy's integrity and keep it only if it is sound; the copy is private (0600)."
        ),
    )
    backup.add_argument(
        "dest", type=Path, metavar="DEST", help="a new file, or a folder (a dated name inside)"
    )
    db_commands.add_parser(
        "check", help="show the records' backend, place, schema and counts (SQLite or PostgreSQL)"
    )
    migrate = db_commands.add_parser(
        "migrate",
        help="copy the SQLite records into an empty PostgreSQL database",
        description=(
            "Copy every exam, finding, training attempt and audit row of the SQLite records "
            "into an empty PostgreSQL database in one transaction, and check the counts match. "
            "Then point each workstation at the server (NEUROEXAM_DB or database_url)."
        ),
    )
    migrate.add_argument(
        "--to",
        required=True,
        metavar="URL",
        dest="to_url",
        help="the PostgreSQL database, postgresql://user@host/database",
    )
    migrate.add_argument(
        "--from",
        type=Path,
        metavar="FILE",
        dest="from_path",
        help="the SQLite records file (default: the data folder's)",
    )

    protocols = commands.add_parser("protocols", help="work with the protocol files")
    protocol_commands = protocols.add_subparsers(dest="protocols_command", metavar="ACTION")
    check = protocol_commands.add_parser(
        "check", help="validate protocol files (default: the shipped ones)"
    )
    check.add_argument("folder", nargs="?", type=Path, help="a protocols folder")

    from neuroexam.web.options import add_arguments as add_serve_arguments

    serve = commands.add_parser(
        "serve",
        help="serve the app to browsers (a tablet) with a token link; needs neuroexam[web]",
        description=(
            "Serve NeuroExam to web browsers: each tab runs its own app, records go to the "
            "same store. Loopback only unless TLS (--cert/--key) or --behind-proxy; every "
            "browser needs the token link printed at start."
        ),
    )
    add_serve_arguments(serve)
    return parser


def _jobs(text: str) -> int:
    """``--jobs``: a whole number from 1 to 64."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError(f"expected 1 to 64, got {value}")
    return value


def _assess(args: argparse.Namespace) -> int:
    from neuroexam.core.protocol import ProtocolError, shipped
    from neuroexam.records.assess import write_assess
    from neuroexam.records.csvio import CsvInputError
    from neuroexam.records.progress import terminal_progress

    # Exam by exam (records/stream.py), a progress bar on stderr when it is a terminal. Text
    # from the file is written with its control characters escaped (JSON: as \u escapes); a
    # file problem is found before anything is written.
    out = sys.stdout
    try:
        protocols = shipped()
        with terminal_progress() as progress:
            return write_assess(args.file, out, args.json, protocols, progress, args.jobs)
    except CsvInputError as exc:
        return _usage_error(f"neuroexam assess: {safe_text(exc)}")
    except ProtocolError as exc:
        return _usage_error(f"neuroexam assess: {exc}")


def _run_tui(start_exam: Exam | None = None, training: TrainingStart | None = None) -> int:
    """The TUI home, or straight into the wizard on ``start_exam``."""
    from neuroexam.records.store import StoreError, open_store
    from neuroexam.tui.app import NeuroExamApp

    try:
        store = open_store()
        if start_exam is not None or training is not None:
            _refuse_read_only(store, "start an exam or a training session")
    except StoreError as exc:
        return _usage_error(f"neuroexam: {exc}")
    try:
        app = NeuroExamApp(store=store, start_exam=start_exam, training=training)
        app.run()
        return _exam_outcome(store, app.started_exam_id) if start_exam is not None else EXIT_OK
    except StoreError as exc:
        return _usage_error(f"neuroexam: {exc}")
    finally:
        store.close()


def _refuse_read_only(store: RecordStore, action: str) -> None:
    """Close ``store`` and raise ``StoreError`` naming its file when it is open read-only."""
    refuse = getattr(store, "refuse_if_read_only", None)
    if refuse is not None and getattr(store, "read_only", False):
        store.close()
        refuse(action)


#: ``neuroexam exam`` exits 0 when the exam it started was completed, else this.
EXIT_NOT_COMPLETED = 1


def _exam_outcome(store: RecordStore, exam_id: str | None) -> int:
    """Print what became of the exam ``neuroexam exam`` started; 0 only when completed."""
    from neuroexam.core.text import safe_text
    from neuroexam.core.vocab import ExamStatus

    exam = store.load_exam(exam_id) if exam_id else None
    if exam is None:
        print(f"exam {safe_text(exam_id or '?')}: discarded (no finding was recorded)")
        return EXIT_NOT_COMPLETED
    if exam.status is ExamStatus.COMPLETE:
        signed = f", signed by {exam.signed_by}" if exam.signed_by else ""
        print(safe_text(f"exam {exam.exam_id}: complete{signed}"))
        return EXIT_OK
    if exam.status is ExamStatus.VOIDED:
        print(safe_text(f"exam {exam.exam_id}: voided"))
        return EXIT_NOT_COMPLETED
    count = len(exam.findings)
    print(
        safe_text(f"exam {exam.exam_id}: in progress ({count} finding(s) saved); ")
        + "resume it from the home screen (r)"
    )
    return EXIT_NOT_COMPLETED


#: Intake field → the ``exam`` option that carries it.
_EXAM_OPTIONS = {"species": "--species", "age": "--age", "sex": "--sex", "weight": "--weight"}
#: ``exam`` options whose text is refused when it holds a control character.
_EXAM_TEXT_OPTIONS = (
    "--patient-id",
    "--name",
    "--species",
    "--breed",
    "--age",
    "--sex",
    "--weight",
    "--examiner",
    "--signs",
)


def _exam(args: argparse.Namespace) -> int:
    from datetime import datetime

    from neuroexam.core.ids import new_exam_id
    from neuroexam.core.intake import IntakeError, UnknownSigns, build_patient, parse_signs
    from neuroexam.core.models import Exam
    from neuroexam.core.protocol import ProtocolError, shipped
    from neuroexam.core.rules import breed_index
    from neuroexam.core.text import first_unsafe

    def fail(option: str, message: str, got: str | None) -> int:
        _field, _, expected = message.partition(": ")
        shown = f" (got {got!r})" if got is not None else ""
        return _usage_error(f"neuroexam exam: {option}: expected {expected}{shown}")

    for option in _EXAM_TEXT_OPTIONS:
        value = getattr(args, option.removeprefix("--").replace("-", "_"))
        unsafe = first_unsafe(value) if value is not None else None
        if unsafe is not None:  # ESC, BEL, bidi overrides… would reach screens and files
            return _usage_error(
                f"neuroexam exam: {option}: control character {unsafe} is not allowed"
            )
    try:
        protocols = shipped()
    except ProtocolError as exc:
        return _usage_error(exc)
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
        return _usage_error(
            f"neuroexam exam: --signs: unknown sign id {ids}; valid ids: {', '.join(exc.valid)}"
        )
    for warning in intake.warnings:
        print(f"neuroexam exam: warning: {warning}", file=sys.stderr)
    if not _identity_confirmed(intake.patient, args.yes):
        return EXIT_USAGE
    now = datetime.now().astimezone()
    exam = Exam(
        exam_id=new_exam_id(now),
        exam_date=now,
        examiner=args.examiner.strip(),
        patient=intake.patient,
        signs=signs,
    )
    return _run_tui(exam)


def _identity_confirmed(patient: Patient, yes: bool) -> bool:
    """Warn on stderr where the intake contradicts the patient on record for its id (issue 8.4);
    a different species starts only with ``--yes``."""
    from neuroexam.core.intake import KnownPatient, identity_mismatches
    from neuroexam.records.store import StoreError, open_store
    from neuroexam.services.patients import PatientLookup

    if not patient.patient_id:
        return True
    try:
        store = open_store()
    except StoreError:
        return True  # opening the TUI reports the records' problem
    try:
        latest = PatientLookup(store).latest(patient.patient_id)
    finally:
        store.close()
    if latest is None:
        return True
    known = KnownPatient.of(latest)
    mismatches = identity_mismatches(known, patient.species, patient.name)
    for mismatch in mismatches:
        print(f"neuroexam exam: warning: {mismatch.message(patient.patient_id)}", file=sys.stderr)
    if yes or not any(m.species for m in mismatches):
        return True
    print(
        f"neuroexam exam: not started: {known.line()}; pass --yes to start a "
        f"{patient.species.value} exam for this patient id anyway",
        file=sys.stderr,
    )
    return False


def _export(args: argparse.Namespace) -> int:
    import io
    from datetime import date

    from neuroexam.core.models import Mode
    from neuroexam.core.protocol import ProtocolError, shipped
    from neuroexam.records.export import Layout, export_csv, parse_when
    from neuroexam.records.store import ExamFilter, StoreError, open_store

    bounds: dict[str, date] = {}
    for option in ("since", "until"):
        text = getattr(args, option)
        if text is not None:
            try:
                bounds[option] = parse_when(text)
            except ValueError as exc:
                return _usage_error(f"neuroexam export: --{option}: {exc}")
    where = ExamFilter(
        patient_id=args.patient,
        mode=None if args.mode == "all" else Mode(args.mode),
        include_unfinished=args.include_unfinished,
        include_voided=args.include_voided,
        since=bounds.get("since"),
        until=bounds.get("until"),
    )
    layout = Layout(args.layout)
    target = args.out if args.out is not None else "stdout"
    try:
        protocols = shipped()
        store = open_store()
        try:
            if args.out is not None:
                with _clean_exit_on_signals():  # kill (TERM/HUP) leaves no partial file
                    result = export_csv(store, args.out, where, layout, protocols, bom=args.bom)
            else:
                sys.stdout.flush()
                raw = getattr(sys.stdout, "buffer", None)
                if raw is None:
                    result = export_csv(store, sys.stdout, where, layout, protocols, bom=args.bom)
                else:  # bytes as written: CRLF rows even where text mode would translate them
                    stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    try:
                        result = export_csv(store, stream, where, layout, protocols, bom=args.bom)
                        stream.flush()
                    finally:
                        stream.detach()
        finally:
            store.close()
    except (StoreError, ProtocolError) as exc:
        return _usage_error(f"neuroexam export: {exc}")
    except BrokenPipeError:  # the reader stopped early (``| head``): main() ends quietly
        raise
    except OSError as exc:
        why = exc.strerror or exc
        return _usage_error(f"neuroexam export: cannot write {safe_text(target)}: {why}")
    if args.out is not None:
        exams = f"{result.exams} exam{'' if result.exams == 1 else 's'}"
        if layout is Layout.SUMMARY:
            print(f"wrote {exams} (summary layout) to {safe_text(args.out)}")
        else:
            print(f"wrote {result.rows} findings of {exams} to {safe_text(args.out)}")
    return EXIT_OK


@contextmanager
def _clean_exit_on_signals() -> Iterator[None]:
    """While inside: SIGTERM and SIGHUP end the program through its clean-up (``finally``
    blocks remove a partial export file) instead of stopping it where it stands."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    wanted = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    before = {sig: signal.signal(sig, stop) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def _import(args: argparse.Namespace) -> int:
    from neuroexam.records.csvio import CsvInputError
    from neuroexam.records.importer import import_file
    from neuroexam.records.store import StoreError, open_store

    try:
        store = open_store()
        _refuse_read_only(store, "import into them")
    except StoreError as exc:
        return _usage_error(f"neuroexam import: {exc}")
    from neuroexam.records.progress import terminal_progress

    try:
        with terminal_progress() as progress:
            report = import_file(store, args.file, progress=progress)
    except CsvInputError as exc:
        return _usage_error(f"neuroexam import: {safe_text(exc)}")
    finally:
        store.close()
    print(report.render())
    if report.store_error:
        print(f"neuroexam import: {safe_text(report.store_error)}", file=sys.stderr)
    return report.exit_status


def _report(args: argparse.Namespace) -> int:
    from neuroexam.records.store import StoreError, open_store
    from neuroexam.reports import ReportError
    from neuroexam.services.reports import ReportService

    try:
        store = open_store()
    except StoreError as exc:
        return _usage_error(f"neuroexam report: {exc}")
    try:
        service = ReportService(store)
        if args.format == "text":
            text = service.soap(args.exam_id)
            if args.out is None:
                sys.stdout.write(text)
                return EXIT_OK
            path = service.write_text(text, args.out)
        elif args.format == "referral":
            path = service.referral(args.exam_id, args.out)
        else:
            path = service.pdf(args.exam_id, args.out)
        exam = store.load_exam(args.exam_id)
    except (ReportError, StoreError) as exc:
        return _usage_error(f"neuroexam report: {exc}")
    finally:
        store.close()
    voided = exam is not None and exam.status == "voided"
    print(f"wrote {path}" + (" (a voided exam: watermarked VOIDED)" if voided else ""))
    return EXIT_OK


def _db(args: argparse.Namespace) -> int:
    from neuroexam.records.sqlite.maintenance import backup, summary
    from neuroexam.records.store import StoreError, database_url, postgres_module

    try:
        url = None if args.db_command == "migrate" else database_url()
        if args.db_command == "migrate":
            lines = postgres_module("maintenance").migrate_lines(args.from_path, args.to_url)
            print("\n".join(safe_text(line) for line in lines))
        elif url is not None:
            lines = postgres_module("maintenance").server_db(args.db_command, url)
            print("\n".join(safe_text(line) for line in lines))
        elif args.db_command == "backup":
            result = backup(args.dest)
            exams = f"{result.exams} exam" + ("" if result.exams == 1 else "s")
            print(safe_text(f"backed up {exams} to {result.path}"))
        else:
            print("\n".join(safe_text(line) for line in summary().lines()))
    except StoreError as exc:
        return _usage_error(f"neuroexam db {args.db_command}: {exc}")
    return EXIT_OK


def _protocols_check(args: argparse.Namespace) -> int:
    from neuroexam.core.protocol import ProtocolError, load_protocols
    from neuroexam.training.cases import load_cases

    try:
        loaded = load_protocols(args.folder)
        cases = load_cases(loaded.root, sign_ids=loaded.sign_ids())
    except ProtocolError as exc:
        return _usage_error(exc)
    breeds = loaded.breeds.breeds
    dogs = sum(b.species.value == "dog" for b in breeds)
    print(
        f"{safe_text(loaded.root)}: OK — {len(loaded.exams)} exam protocols, {dogs} dog and "
        f"{len(breeds) - dogs} cat breeds, {len(loaded.signs.signs)} signs, "
        f"{len(loaded.rules.flags)} flags, {len(cases)} training cases"
    )
    return EXIT_OK


def _train(args: argparse.Namespace) -> int:
    import random

    from neuroexam.core.protocol import ProtocolError
    from neuroexam.training.cases import shipped_cases
    from neuroexam.training.picker import PickError, pick
    from neuroexam.tui.screens.training import TrainingStart

    try:
        cases = shipped_cases()
    except ProtocolError as exc:
        return _usage_error(f"neuroexam train: {exc}")
    rng = random.Random(args.seed)
    case = None
    if args.case is not None or args.level is not None or args.seed is not None:
        option = "--case" if args.case is not None else "--level"
        try:
            case = pick(cases, case_id=args.case, level=args.level, rng=rng)
        except PickError as exc:
            return _usage_error(f"neuroexam train: {option}: {exc}")
    return _run_tui(training=TrainingStart(case=case, student=args.student.strip(), rng=rng))


def _serve(args: argparse.Namespace) -> int:
    from neuroexam.web import missing_extra

    hint = missing_extra()
    if hint is not None:
        return _usage_error(hint)
    from neuroexam.web.command import serve_command

    return serve_command(args)


#: Exit status when the reader of stdout went away (``neuroexam assess f.csv | head``): what a
#: shell reports for a Unix tool ended by SIGPIPE (128 + 13), so that ``set -o pipefail`` sees
#: an output that was cut short, and never one of a command's own statuses (0 would claim a
#: complete output; 1 and 2 describe the input).
EXIT_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; when stdout's reader goes away, end quietly with :data:`EXIT_PIPE`."""
    try:
        status = _main(argv)
        sys.stdout.flush()  # here, not at exit: a closed pipe must be caught like any write
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_PIPE
    return status


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush cannot fail again."""
    import os

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture it)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _main(argv: Sequence[str] | None = None) -> int:
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
    if args.command == "import":
        return _import(args)
    if args.command == "train":
        return _train(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "report":
        return _report(args)
    if args.command == "db":
        if args.db_command is None:
            parser.parse_args(["db", "--help"])
        return _db(args)
    if args.command == "protocols":
        if args.protocols_command != "check":
            parser.parse_args(["protocols", "--help"])
        return _protocols_check(args)
    parser.print_help()
    return EXIT_OK
