"""ReportService: the paper of one exam for the TUI and the CLI (FORMAT.md §6).

``pdf`` writes the report into the report folder of the settings (or a given file) and returns
its path, ``soap`` returns the SOAP text, ``referral`` writes the referral letter. Every failure
is a :class:`~neuroexam.reports.ReportError` with a one-line message (unknown exam, bad settings,
unreadable records, unwritable folder). The settings and reportlab load on first use, never at
import, so the TUI can import this module without slowing its start.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from neuroexam.reports import ReportError

if TYPE_CHECKING:
    from neuroexam.core.protocol import Protocols
    from neuroexam.reports.data import ExamSource, ReportData
    from neuroexam.settings import Settings


class ReportService:
    """Reports drawn from ``evaluate`` of the stored exam with its patient's history."""

    def __init__(
        self,
        store: ExamSource,
        protocols: Protocols | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.store = store
        self._protocols = protocols
        self._settings = settings

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from neuroexam.settings import SettingsError, load_settings

            try:
                self._settings = load_settings()
            except SettingsError as exc:
                raise ReportError(str(exc)) from None
        return self._settings

    @property
    def protocols(self) -> Protocols:
        if self._protocols is None:
            from neuroexam.core.protocol import shipped

            self._protocols = shipped()
        return self._protocols

    def data(self, exam_id: str, with_course: bool = True) -> ReportData:
        """Everything a report shows; ReportError when the exam or the records cannot be read."""
        from neuroexam.records.store import StoreError
        from neuroexam.reports.data import gather

        try:
            return gather(
                self.store, exam_id, self.protocols, self.settings, with_course=with_course
            )
        except StoreError as exc:
            raise ReportError(str(exc)) from None

    def default_path(self, data: ReportData, kind: str = "") -> Path:
        """``{report folder}/{patient_id}_{YYYY-MM-DD}_{exam_id}[_kind].pdf``."""
        from neuroexam.reports.naming import report_name

        return self.settings.report_folder / report_name(data.exam, kind)

    def pdf(self, exam_id: str, out: Path | None = None) -> Path:
        """Write the exam report; the path written."""
        from neuroexam.reports.pdf import render_pdf

        data = self.data(exam_id)
        return _write(out or self.default_path(data), render_pdf(data))

    def referral(self, exam_id: str, out: Path | None = None) -> Path:
        """Write the referral letter; the path written."""
        from neuroexam.reports.referral import render_referral

        data = self.data(exam_id)
        return _write(out or self.default_path(data, "referral"), render_referral(data))

    def soap(self, exam_id: str) -> str:
        """The SOAP note: four lines ``S:``, ``O:``, ``A:``, ``P:``."""
        from neuroexam.reports.soap import soap_text

        return soap_text(self.data(exam_id, with_course=False))

    def write_text(self, text: str, out: Path) -> Path:
        """Write a text report (the SOAP note) as UTF-8, privately and atomically."""
        return _write(out, text.encode("utf-8"))


def _write(path: Path, data: bytes) -> Path:
    from neuroexam.reports.naming import write_private

    try:
        return write_private(path, data)
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from None
