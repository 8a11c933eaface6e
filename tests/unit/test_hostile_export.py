"""An export that fails or is killed leaves no patient data behind (issue 9, item 4)."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.records.export import export_csv, sweep_partials
from neuroexam.records.store import ExamFilter, Store
from tests.conftest import REPO
from tests.unit.export_fixtures import golden_exams

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and processes")

ROWS = "exam_id,exam_date,examiner\r\nEX-1,2026-03-01,Dr Vogel\r\n"


def partials(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


@pytest.fixture
def records(_isolated_home: Path) -> Path:
    store = Store()
    for exam in golden_exams():
        store.save_exam_with_findings(exam)
    store.close()
    return _isolated_home


def test_stale_partial_files_of_this_app_are_swept_by_the_next_export(
    records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    gone = dead_pid()
    (out / f".out.csv.{gone}.partial").write_text(ROWS)  # killed mid-way (kill -9)
    (out / f".june.csv.{gone}.partial").write_text("\ufeff" + ROWS)  # another export, BOM
    (out / f".empty.csv.{gone}.partial").write_text("")  # killed before the header
    (out / f".notes.txt.{gone}.partial").write_text("not ours")  # another program's file
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as running:
        try:
            (out / f".busy.csv.{running.pid}.partial").write_text(ROWS)  # still being written
            assert cli.main(["export", "--out", str(out / "out.csv")]) == 0
        finally:
            running.kill()
    capsys.readouterr()
    assert partials(out) == [f".busy.csv.{running.pid}.partial", f".notes.txt.{gone}.partial"]
    assert (out / "out.csv").read_text().startswith("exam_id,")


def _export_killed_by(sig: int, home: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """``neuroexam export --out`` in a process that receives ``sig`` after its first rows."""
    script = textwrap.dedent(
        f"""
        import os, sys
        from neuroexam import cli
        from neuroexam.records import export

        real = export._to_csv

        def write_then_die(frame, handle, header):
            real(frame, handle, header)
            handle.flush()
            os.kill(os.getpid(), {int(sig)})

        export._to_csv = write_then_die
        sys.exit(cli.main(["export", "--out", {str(out)!r}]))
        """
    )
    env = {**os.environ, "NEUROEXAM_HOME": str(home), "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["TERM", "HUP"])
def test_a_terminated_export_removes_its_partial_file(
    records: Path, tmp_path: Path, sig: signal.Signals
) -> None:
    out = tmp_path / "out.csv"
    done = _export_killed_by(sig, records, out)
    assert done.returncode == 128 + sig
    assert "Traceback" not in done.stderr
    assert partials(tmp_path) == [] and not out.exists()


def test_a_partial_file_left_by_kill_9_is_swept_by_the_next_export(
    records: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    done = _export_killed_by(signal.SIGKILL, records, out)
    assert done.returncode == -signal.SIGKILL
    left = partials(tmp_path)
    assert len(left) == 1 and left[0].startswith(".out.csv.")  # nothing could remove it
    assert stat.S_IMODE((tmp_path / left[0]).stat().st_mode) == 0o600  # but it was private
    assert cli.main(["export", "--out", str(out)]) == 0
    capsys.readouterr()
    assert partials(tmp_path) == [] and out.exists()


def test_a_failing_export_leaves_nothing_and_its_partial_was_private(
    records: Path, tmp_path: Path
) -> None:
    seen: list[int] = []

    def stop(done: int, total: int) -> None:
        for name in partials(tmp_path):
            seen.append(stat.S_IMODE((tmp_path / name).stat().st_mode))
        raise KeyboardInterrupt  # any failure, even an interrupt

    store = Store()
    try:
        with pytest.raises(KeyboardInterrupt):
            export_csv(store, tmp_path / "out.csv", ExamFilter(), progress=stop)
    finally:
        store.close()
    assert seen == [0o600]
    assert partials(tmp_path) == [] and not (tmp_path / "out.csv").exists()


def test_sweeping_a_missing_or_empty_folder_is_harmless(tmp_path: Path) -> None:
    assert sweep_partials(tmp_path / "missing") == []
    assert sweep_partials(tmp_path) == []
