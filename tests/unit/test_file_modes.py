"""Patient records are private: the data folder 0700, every file the app writes 0600, whatever
the umask; an existing folder open to others is tightened with a notice (issue 9, item 3)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from neuroexam import cli
from neuroexam.records.paths import private_dir, private_file_open, secure_db_files
from neuroexam.records.store import Store
from tests.conftest import REPO
from tests.unit.export_fixtures import golden_exams

GOLDEN = REPO / "tests" / "data" / "golden" / "findings.csv"

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022], ids=["umask000", "umask022"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    before = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(before)


def test_store_folder_database_wal_and_shm_are_private(umask: int, _isolated_home: Path) -> None:
    store = Store()
    try:
        for exam in golden_exams():
            store.save_exam_with_findings(exam)
        db = _isolated_home / "neuroexam.db"
        assert mode(_isolated_home) == 0o700
        companions = [Path(f"{db}{s}") for s in ("-wal", "-shm")]
        assert all(p.exists() for p in companions)  # WAL mode, the store open
        assert {p.name: mode(p) for p in [db, *companions]} == {
            "neuroexam.db": 0o600,
            "neuroexam.db-wal": 0o600,
            "neuroexam.db-shm": 0o600,
        }
    finally:
        store.close()


def test_export_and_import_leave_only_private_files(
    umask: int, _isolated_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["import", str(GOLDEN)]) == 0
    out = tmp_path / "out.csv"
    summary = tmp_path / "summary.csv"
    assert cli.main(["export", "--out", str(out)]) == 0
    assert cli.main(["export", "--layout", "summary", "--out", str(summary)]) == 0
    capsys.readouterr()
    assert (mode(out), mode(summary)) == (0o600, 0o600)
    assert mode(_isolated_home) == 0o700
    assert {p.name: mode(p) for p in _isolated_home.iterdir()} == {"neuroexam.db": 0o600}


def test_an_existing_export_is_replaced_by_a_private_file(
    umask: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.csv"
    out.write_text("old")
    out.chmod(0o644)
    assert cli.main(["export", "--out", str(out)]) == 0
    assert mode(out) == 0o600


def test_an_open_data_folder_is_tightened_with_a_notice(
    _isolated_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _isolated_home.mkdir()
    _isolated_home.chmod(0o755)  # as created at the default umask by earlier versions
    db = _isolated_home / "neuroexam.db"
    notice = "neuroexam: {} was open to other users (mode {}); set to 0700: only you can read it\n"
    Store().close()
    assert capsys.readouterr().err == notice.format(_isolated_home, "0755")
    db.chmod(0o644)
    _isolated_home.chmod(0o777)
    Store().close()
    assert capsys.readouterr().err == notice.format(_isolated_home, "0777")
    assert (mode(_isolated_home), mode(db)) == (0o700, 0o600)
    Store().close()  # once private, nothing more is said
    assert capsys.readouterr().err == ""


def test_a_shared_sticky_folder_is_not_changed_but_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    monkeypatch.setenv("NEUROEXAM_HOME", str(shared))
    Store().close()
    assert mode(shared) == 0o1777
    assert "patient records kept there are not private" in capsys.readouterr().err
    assert mode(shared / "neuroexam.db") == 0o600


def test_a_folder_other_than_the_data_folder_is_left_as_it_is(
    umask: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``Store(path)`` elsewhere (another workstation's file) makes its files private, not the
    folder the user keeps them in; a folder it creates is private."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    folder.chmod(0o755)
    Store(folder / "other.db").close()
    assert (mode(folder), mode(folder / "other.db")) == (0o755, 0o600)
    Store(tmp_path / "new" / "x.db").close()
    assert mode(tmp_path / "new") == 0o700
    assert capsys.readouterr().err == ""


def test_helpers(umask: int, tmp_path: Path) -> None:
    made = private_dir(tmp_path / "a" / "b")
    assert mode(made) == 0o700
    target = made / "f.txt"
    target.write_text("x")
    target.chmod(0o666)
    with private_file_open(target, encoding="utf-8") as handle:
        handle.write("private")
    assert (mode(target), target.read_text()) == (0o600, "private")
    with pytest.raises(FileExistsError):
        private_file_open(target, exclusive=True)
    secure_db_files(made / "n.db")
    assert mode(made / "n.db") == 0o600 and (made / "n.db").stat().st_size == 0
    secure_db_files(Path(":memory:"))  # nothing to do


def test_the_summary_screens_export_is_private(umask: int, tmp_path: Path) -> None:
    from neuroexam.records.csvio import write_findings

    path = tmp_path / "one.csv"
    write_findings(golden_exams()[:1], path)
    assert mode(path) == 0o600
