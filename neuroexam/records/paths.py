"""Where NeuroExam keeps its data (the platform data dir, or ``NEUROEXAM_HOME``), and how
files holding patient records are kept private: folders 0700, files 0600, whatever the umask.

- :func:`private_dir` creates a folder only its owner can enter; the data folder, when it
  already exists open to others, is tightened with a one-line notice on stderr.
- :func:`private_file_open` opens a file for writing as 0600 (an existing file is tightened).
- :func:`secure_db_files` prepares a SQLite database before it is opened: its folder private,
  the file created 0600, the database and its ``-wal``/``-shm``/``-journal`` files tightened.
  SQLite creates the ``-wal`` and ``-shm`` files with the permissions of the database file, so
  they are 0600 too.

Modes are POSIX; on Windows the folder is created and nothing else is changed (files in the
user's profile are private there by default).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from contextlib import suppress
from pathlib import Path
from typing import IO, Any

APP_NAME = "neuroexam"
DB_NAME = "neuroexam.db"
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
#: What SQLite adds beside a database file.
DB_COMPANIONS = ("-wal", "-shm", "-journal")

_POSIX = os.name == "posix"


def data_dir() -> Path:
    """The data folder (not created here: the store creates it when it opens)."""
    override = os.environ.get("NEUROEXAM_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    return data_dir() / DB_NAME


def _notice(message: str) -> None:
    print(f"neuroexam: {message}", file=sys.stderr)


def private_dir(path: Path, tighten: bool = True) -> Path:
    """``path`` as a folder only its owner can enter (0700), created with its parents if
    missing (the parents as the umask gives).

    With ``tighten``, an existing folder that others may read is set to 0700, with a one-line
    notice on stderr; one that is not the user's own or is shared (sticky, like ``/tmp``) is
    left as it is, with a notice that records there are not private. Raises ``OSError``.
    """
    path = Path(path)
    try:
        path.mkdir(mode=PRIVATE_DIR_MODE, parents=True)
    except FileExistsError:
        if tighten and _POSIX:
            _tighten_dir(path)
        return path
    if _POSIX:
        os.chmod(path, PRIVATE_DIR_MODE)  # mkdir's mode is cut by the umask, never widened
    return path


def _tighten_dir(path: Path) -> None:
    info = path.stat()
    if not stat.S_ISDIR(info.st_mode) or not info.st_mode & 0o077:
        return
    was = f"{stat.S_IMODE(info.st_mode):04o}"
    if info.st_uid != os.geteuid() or info.st_mode & stat.S_ISVTX:
        _notice(
            f"{path} can be entered by other users (mode {was}) and is not yours alone to "
            "change; patient records kept there are not private"
        )
        return
    if _chmod(path, PRIVATE_DIR_MODE):
        _notice(f"{path} was open to other users (mode {was}); set to 0700: only you can read it")


def _chmod(path: Path | str, mode: int) -> bool:
    """chmod, or a notice saying why not (nothing on a read-only medium: nothing is written
    there either)."""
    try:
        os.chmod(path, mode)
    except OSError as exc:
        if exc.errno != errno.EROFS:
            _notice(f"{path}: cannot make it private ({exc.strerror or exc})")
        return False
    return True


def private_file_open(
    path: Path,
    mode: str = "w",
    *,
    exclusive: bool = False,
    encoding: str | None = None,
    newline: str | None = None,
) -> IO[Any]:
    """Open ``path`` for writing (``mode`` "w" or "wb") as a file only its owner can read or
    write (0600), whatever the umask; an existing file is truncated and tightened. With
    ``exclusive`` an existing file is an error (``FileExistsError``)."""
    if mode not in ("w", "wb"):
        raise ValueError(f"private_file_open writes ('w' or 'wb'), not {mode!r}")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)
    if exclusive:
        flags |= os.O_EXCL
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        if _POSIX and os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, PRIVATE_FILE_MODE)
        if mode == "wb":
            return os.fdopen(fd, mode)
        return os.fdopen(fd, mode, encoding=encoding or "utf-8", newline=newline)
    except BaseException:
        os.close(fd)
        raise


def private_file(path: Path) -> None:
    """Tighten an existing file to 0600 (nothing when it is missing or already private)."""
    if not _POSIX:
        return
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode) and info.st_mode & 0o077:
        _chmod(path, PRIVATE_FILE_MODE)


def secure_db_files(db_path: Path) -> None:
    """Make a SQLite database private before it is opened (call before ``sqlite3.connect``).

    Its folder is created 0700 (the data folder, :func:`data_dir`, is tightened if it exists
    open to others; another existing folder is left as it is); a missing database file is
    created empty as 0600 (SQLite takes an empty file as a new database); the database and
    its ``-wal``, ``-shm`` and ``-journal`` files are tightened to 0600. Raises ``OSError``.
    """
    text = str(db_path)
    if text == ":memory:" or text.startswith("file:"):
        return
    path = Path(db_path)
    private_dir(path.parent, tighten=_same_folder(path.parent, data_dir()))
    if not _POSIX:
        return
    if not path.exists():
        with suppress(OSError):  # if it cannot be created, SQLite says why on opening it
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    for suffix in ("", *DB_COMPANIONS):
        private_file(Path(text + suffix))


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
