"""The user's choices: one settings file, one pydantic model, ``NEUROEXAM_*`` overrides.

Where the file is (the first that applies; a missing file means every default):

1. ``NEUROEXAM_CONFIG``: the path of a settings file;
2. ``NEUROEXAM_HOME`` (a portable install, the tests): ``$NEUROEXAM_HOME/settings.toml``;
3. the platform config folder: ``platformdirs.user_config_path("neuroexam")/settings.toml``
   (Linux ``~/.config/neuroexam``, macOS ``~/Library/Application Support/neuroexam``, Windows
   ``%LOCALAPPDATA%\\neuroexam``).

Environment variables override the file: ``NEUROEXAM_PAGE_SIZE=Letter``, nested fields with
``__`` (``NEUROEXAM_CLINIC__NAME="Vet Clinic"``). A bad value is a :class:`SettingsError` whose
one-line message names the file (or the variable) and the field.

Nothing is read or created at import; :func:`load_settings` reads on demand. This module imports
pydantic-settings, so the TUI imports it only when a report is made, never at start-up.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

APP_NAME = "neuroexam"
FILE_NAME = "settings.toml"
ENV_PREFIX = "NEUROEXAM_"
CONFIG_ENV = "NEUROEXAM_CONFIG"
HOME_ENV = "NEUROEXAM_HOME"
DB_ALIAS_ENV = "NEUROEXAM_DB"


class SettingsError(Exception):
    """The settings cannot be used; the message is one line naming the file and the field."""


def settings_path() -> Path:
    """The settings file in force (it may not exist)."""
    explicit = os.environ.get(CONFIG_ENV)
    if explicit:
        return Path(explicit).expanduser()
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / FILE_NAME
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False) / FILE_NAME


def _documents(folder: str) -> Path:
    """``folder`` in the user's documents folder (in ``NEUROEXAM_HOME`` when that is set)."""
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser() / folder
    from platformdirs import user_documents_path

    return user_documents_path() / folder


class Clinic(BaseModel):
    """The practice named in the header of every report."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(default="", max_length=120)
    #: Lines may be separated by newlines or ``;`` in the file; reports print them on one line.
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", max_length=60)


class Settings(BaseSettings):
    """Everything a user may choose; every field has a default."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    clinic: Clinic = Field(default_factory=Clinic)
    report_folder: Path = Field(default_factory=lambda: _documents("NeuroExam reports"))
    export_folder: Path = Field(default_factory=lambda: _documents("NeuroExam exports"))
    page_size: Literal["A4", "Letter"] = "A4"
    #: None: the embedded SQLite file in the data folder.
    database_url: str | None = None
    #: The trunci re-check reminder for IVDD / progressive myelomalacia, in hours.
    recheck_interval_hours: float = Field(default=4.0, gt=0, le=72)
    #: Pre-filled examiner name at intake.
    examiner: str = Field(default="", max_length=80)

    @field_validator("report_folder", "export_folder")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        if not str(value).strip():
            raise ValueError("expected a folder path, got an empty text")
        return value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if "://" not in value:
            raise ValueError(
                "expected a database URL such as postgresql://user@host/neuroexam "
                "(leave it out for the embedded SQLite file)"
            )
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's values come in as init arguments; the environment wins over them.
        return env_settings, _DatabaseAlias(settings_cls), init_settings


class _DatabaseAlias(PydanticBaseSettingsSource):
    """``NEUROEXAM_DB``: the short name of ``NEUROEXAM_DATABASE_URL`` (which wins over it).

    A source of its own rather than an ``AliasChoices``: an alias is looked up without the
    prefix too, and a ``DATABASE_URL`` meant for another program must not be taken.
    """

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        value = os.environ.get(DB_ALIAS_ENV)
        return {"database_url": value} if value is not None else {}


def read_settings_file(path: Path) -> dict[str, Any]:
    """The file's table (empty when there is no file); a syntax error names the line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read the settings file: {exc.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: not UTF-8 text (save the file as UTF-8)") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def load_settings(path: Path | None = None) -> Settings:
    """The settings of ``path`` (default: :func:`settings_path`) with the environment's
    overrides; :class:`SettingsError` when a value is bad."""
    path = path if path is not None else settings_path()
    data = read_settings_file(path)
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise SettingsError(_describe(exc, path)) from None


def _describe(exc: ValidationError, path: Path) -> str:
    """One line: where the bad value came from, the field and what was expected."""
    errors = exc.errors(include_url=False)
    error = errors[0]
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    more = more if len(errors) > 1 else ""
    loc = [str(part) for part in error["loc"]]
    field = ".".join(loc) or "(top level)"
    source = str(path)
    for depth in range(len(loc), 0, -1):  # NEUROEXAM_CLINIC__NAME, then NEUROEXAM_CLINIC
        name = ENV_PREFIX + "__".join(loc[:depth]).upper()
        if any(key.upper() == name for key in os.environ):
            source = f"environment variable {name}"
            break
    else:
        if loc == ["database_url"] and DB_ALIAS_ENV in os.environ:
            source = f"environment variable {DB_ALIAS_ENV}"
    if error["type"] == "extra_forbidden":
        known = ", ".join(Settings.model_fields)
        if len(loc) > 1 and loc[0] == "clinic":
            known = ", ".join(f"clinic.{k}" for k in Clinic.model_fields)
        return f"{source}: {field}: unknown setting (known settings: {known}){more}"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    got = error.get("input")
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    return f"{source}: {field}: {message[:1].lower()}{message[1:]}{shown}{more}"
