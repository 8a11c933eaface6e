"""Paper for the medical record (FORMAT.md §6): the one-page PDF report, the SOAP text and the
referral letter, all drawn from ``rules.evaluate`` of the exam with its patient's history.

reportlab is imported by the PDF modules only; nothing here runs at import.
"""


class ReportError(Exception):
    """A report cannot be made (unknown exam, unwritable folder); the message is one line."""
