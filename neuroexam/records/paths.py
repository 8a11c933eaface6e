"""Where NeuroExam keeps its data: the platform data dir, or ``NEUROEXAM_HOME``."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "neuroexam"
DB_NAME = "neuroexam.db"


def data_dir() -> Path:
    """The data folder (not created here: the store creates it when it opens)."""
    override = os.environ.get("NEUROEXAM_HOME")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def default_db_path() -> Path:
    return data_dir() / DB_NAME
