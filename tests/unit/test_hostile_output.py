"""What the command line prints never controls the terminal, and never ends in a traceback
(issue 9, items 2, 8 and 11)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.core.protocol import default_root
from neuroexam.core.text import (
    UnsafeTextError,
    first_control,
    first_unsafe,
    refuse_unsafe,
    safe_json,
    safe_text,
)
from neuroexam.records.formats import FINDINGS_COLUMNS
from tests.conftest import REPO

GOLDEN = REPO / "tests" / "data" / "golden" / "findings.csv"
#: What a terminal acts on: C0 but newline, DEL, C1, bidi controls.
RAW_CONTROLS = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)] if chr(c) != "\n"] + [
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
]


def assert_inert(text: str) -> None:
    """No character of ``text`` acts on a terminal (tabs aside, which only move right)."""
    found = [hex(ord(c)) for c in text if c in RAW_CONTROLS and c != "\t"]
    assert not found, f"raw control characters reach the terminal: {found}"


# ------------------------------------------------------------------ core.text


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("Rex\x1b]0;pwned\x07", "Rex\\x1b]0;pwned\\x07"),
        ("\x1b]52;c;aGk=\x07", "\\x1b]52;c;aGk=\\x07"),
        ("a\x1b[2Jb", "a\\x1b[2Jb"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("C1\x85\x9b", "C1\\x85\\x9b"),
        ("two\nlines\r", "two\\nlines\\r"),
        ("tab\tkept", "tab\tkept"),
        ("bad byte \udcff", "bad byte \\udcff"),
        ("[bold red]x[/]", "[bold red]x[/]"),  # markup is the renderer's business
        ("Zoë 🐕 ל", "Zoë 🐕 ל"),
    ],
)
def test_safe_text_escapes_every_control_character(raw: str, shown: str) -> None:
    assert safe_text(raw) == shown
    assert_inert(safe_text(raw))


def test_safe_text_multiline_keeps_newlines_but_not_carriage_returns() -> None:
    assert safe_text("a\nb\r\nc\x1b", multiline=True) == "a\nb\\r\nc\\x1b"
    assert safe_text("a\tb", tabs=False) == "a\\tb"


def test_safe_json_is_the_same_json_value_with_nothing_raw() -> None:
    value = {"breed": "x\x1b\x85\u202e\x7f\udcff y", "n": ["\u2028"]}
    text = safe_json(json.dumps(value, ensure_ascii=False, indent=2))
    assert_inert(text)
    assert json.loads(text) == value


def test_refusing_and_finding_controls() -> None:
    assert refuse_unsafe("Dr Vogel") == "Dr Vogel"
    with pytest.raises(UnsafeTextError, match=r"control character \\x1b is not allowed"):
        refuse_unsafe("Dr\x1b[2J")
    assert first_unsafe("a\tb") == "\\t"
    assert first_unsafe("a\tb\nc", allow="\t\n") is None
    assert first_unsafe("x\u202ey") == "\\u202e"
    # in files: tabs, line breaks and bidi marks are text; terminal controls are not
    assert first_control("note\twith\nlines \u200f") is None
    assert first_control("x\x07") == "\\x07"


# ------------------------------------------------------------------ item 2: CLI output


def _golden_with(tmp_path: Path, **cells: str) -> Path:
    """The golden file with ``cells`` replaced on every row of its first exam."""
    with GOLDEN.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    first = rows[0]["exam_id"]
    for row in rows:
        if row["exam_id"] == first:
            row.update(cells)
    path = tmp_path / "hostile.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FINDINGS_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    return path


HOSTILE_TEXT = "[bold red]x[/] \u202eevil \u2066[@click=app.quit]q\u2069"


@pytest.mark.parametrize("as_json", [False, True])
def test_assess_prints_hostile_text_inert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    path = _golden_with(tmp_path, breed=HOSTILE_TEXT, patient_id="P\u202e1")
    code = cli.main(["assess", str(path), *(["--json"] if as_json else [])])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert_inert(out)
    if as_json:
        doc = json.loads(out)
        assert doc["exams"][0]["patient_id"] == "P\u202e1"  # the data unchanged
        assert "\\u202e" in out
    else:
        assert "patient P\\u202e1; breed: [bold red]x[/] \\u202eevil" in out


def test_assess_errors_show_the_bad_text_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _golden_with(tmp_path, exam_id="EX\u202e-1", breed="\x1b]0;pwned\x07")
    assert cli.main(["assess", str(path)]) == 1
    out, err = capsys.readouterr()
    assert_inert(out + err)
    assert "exam EX\\u202e-1: breed: control character \\x1b is not allowed" in out


def test_import_messages_are_inert(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _golden_with(tmp_path, exam_id="EX\u202e\u2066-1")
    assert cli.main(["import", str(path)]) == 0
    assert cli.main(["import", str(path)]) == 0
    out, err = capsys.readouterr()
    assert_inert(out + err)
    assert "Skipped 5 exams already in the records: EX\\u202e\\u2066-1, EX-001," in out


@pytest.mark.parametrize("command", ["assess", "import"])
def test_a_hostile_file_name_is_shown_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    path = tmp_path / "\x1b]0;pwned\x07\u202e.csv"
    assert cli.main([command, str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert_inert(err)
    assert err == f"neuroexam {command}: {tmp_path}/\\x1b]0;pwned\\x07\\u202e.csv: file not found\n"


@pytest.mark.parametrize(
    ("option", "value", "shown"),
    [
        ("--name", "Rex\x1b]0;pwned\x07", "\\x1b"),
        ("--examiner", "Dr\u202eX", "\\u202e"),
        ("--patient-id", "P-1\n", "\\n"),
        ("--breed", "Beagle\x9b", "\\x9b"),
        ("--signs", "back_pain\x07", "\\x07"),
    ],
)
def test_exam_refuses_control_characters(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    shown: str,
) -> None:
    started: list[object] = []
    monkeypatch.setattr(cli, "_run_tui", lambda *a, **k: started.append(a) or 0)
    args = {"--patient-id": "P-1", "--name": "Rex", "--species": "dog", "--breed": "Beagle"}
    args |= {"--age": "4", option: value}
    argv = ["exam", *[part for pair in args.items() for part in pair]]
    assert cli.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and started == []
    assert err == f"neuroexam exam: {option}: control character {shown} is not allowed\n"


# ------------------------------------------------------------------ item 11: closed pipe


def _many_exams(tmp_path: Path, copies: int = 40) -> Path:
    """The golden exams ``copies`` times under other ids: an output far above a pipe's buffer."""
    with GOLDEN.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    path = tmp_path / "many.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(FINDINGS_COLUMNS))
        writer.writeheader()
        for i in range(copies):
            for row in rows:
                writer.writerow(row | {"exam_id": f"{row['exam_id']}-{i}", "patient_id": f"P{i}"})
    return path


def _read_one_line_then_close(argv: list[str], home: Path) -> tuple[int, str, str]:
    env = {"NEUROEXAM_HOME": str(home), "PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "neuroexam", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline().decode()
    proc.stdout.close()  # the reader goes away, as `| head -1` does
    err = proc.stderr.read().decode()
    return proc.wait(timeout=120), first, err


@pytest.mark.parametrize("argv", [["assess"], ["assess", "--json"], ["export"]])
def test_a_closed_pipe_ends_quietly(tmp_path: Path, _isolated_home: Path, argv: list[str]) -> None:
    path = _many_exams(tmp_path)
    if argv == ["export"]:
        assert cli.main(["import", str(path)]) == 0
        command = argv
    else:
        command = [argv[0], str(path), *argv[1:]]
    status, first, err = _read_one_line_then_close(command, _isolated_home)
    assert first  # it did start writing
    assert err == ""  # no traceback, no "Exception ignored" either
    assert status == cli.EXIT_PIPE == 141


def test_main_turns_a_broken_pipe_into_exit_141(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Gone(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Gone())
    assert cli.main(["assess", str(GOLDEN)]) == 141
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------ item 8: protocol files


def _protocols_copy(tmp_path: Path) -> Path:
    import shutil

    target = tmp_path / "p"
    shutil.copytree(default_root(), target)
    return target


@pytest.mark.parametrize(
    "relative", ["rules.toml", "exam/dog.toml", "signs.toml", "cases/01_normal_beagle.toml"]
)
def test_a_non_utf8_protocol_file_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], relative: str
) -> None:
    folder = _protocols_copy(tmp_path)
    (folder / relative).write_bytes(b"\xff\xfe\x87")
    assert cli.main(["protocols", "check", str(folder)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{folder / relative}: line 1 is not UTF-8 text (byte 0xFF)\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"a = " + b"[" * 5000, "TOML syntax error: nested too deeply"),
        (b"a" + b".a" * 6000 + b" = 1\n", "line 1 is longer than the limit of 10000 characters"),
        (b'title = "x"\n' + b"# " + b"y" * 1_100_000, "larger than the limit of 1048576 bytes"),
    ],
    ids=["deep", "long-line", "large"],
)
def test_unreasonable_protocol_files_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    folder = _protocols_copy(tmp_path)
    (folder / "rules.toml").write_bytes(content)
    assert cli.main(["protocols", "check", str(folder)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{folder / 'rules.toml'}: {expected}\n"


def test_an_unreadable_protocol_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _protocols_copy(tmp_path)
    (folder / "signs.toml").unlink()
    (folder / "signs.toml").mkdir()
    assert cli.main(["protocols", "check", str(folder)]) == 2
    _, err = capsys.readouterr()
    assert err.count("\n") == 1 and err.startswith(f"{folder / 'signs.toml'}: cannot read: ")
