"""Report file names (FORMAT.md §6: ``{patient_id}_{YYYY-MM-DD}_{exam_id}.pdf``, which practice
systems' document importers match by the leading patient id) and atomic, private writes.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from neuroexam.core.models import Exam

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
#: Names Windows refuses whatever the extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{n}" for p in ("COM", "LPT") for n in range(1, 10)}
MAX_PART = 60


def safe_part(text: str, empty: str = "unknown") -> str:
    """``text`` as a file-name part that is valid on Linux, macOS and Windows: letters, digits,
    ``.``, ``_`` and ``-`` only (anything else becomes ``-``), no leading dot, at most 60
    characters, never a reserved Windows name."""
    part = _UNSAFE.sub("-", text.strip()).strip("-.")[:MAX_PART].strip("-.")
    if not part:
        return empty
    if part.split(".")[0].upper() in _RESERVED:
        part = f"_{part}"
    return part


def report_name(exam: Exam, kind: str = "") -> str:
    """``P-7_2026-03-01_E-O2.pdf``; ``kind`` adds a suffix (``…_E-O2_referral.pdf``)."""
    day = exam.exam_date.strftime("%Y-%m-%d") if exam.exam_date else "undated"
    parts = [safe_part(exam.patient.patient_id, "no-patient-id"), day, safe_part(exam.exam_id)]
    if kind:
        parts.append(safe_part(kind))
    return "_".join(parts) + ".pdf"


def write_private(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (a temporary file in the same folder, renamed over
    it when complete) with owner-only permissions (0600); the folder is made when missing.
    On any failure the temporary file is removed and the error raised (an OSError)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return path
