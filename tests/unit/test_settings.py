"""Settings: the file, the environment's overrides, and errors naming the file and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from neuroexam.settings import SettingsError, load_settings, settings_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(_isolated_home: Path) -> None:
    settings = load_settings()
    assert settings.page_size == "A4"
    assert settings.clinic.name == ""
    assert settings.database_url is None
    assert settings.recheck_interval_hours == 4
    assert settings.examiner == ""
    # Under NEUROEXAM_HOME the default folders stay inside it (never the user's documents).
    assert settings.report_folder == _isolated_home / "NeuroExam reports"
    assert settings.export_folder == _isolated_home / "NeuroExam exports"
    assert not _isolated_home.exists()  # nothing created by loading


def test_file_in_neuroexam_home_is_read(_isolated_home: Path) -> None:
    assert settings_path() == _isolated_home / "settings.toml"
    write(
        _isolated_home / "settings.toml",
        'page_size = "Letter"\nreport_folder = "~/reports"\nrecheck_interval_hours = 2\n'
        'examiner = "Dr Vogel"\n[clinic]\nname = "Tierklinik Müller"\naddress = "Hauptstraße 1"\n'
        'phone = "+49 30 1234"\n',
    )
    settings = load_settings()
    assert settings.page_size == "Letter"
    assert settings.clinic.name == "Tierklinik Müller"
    assert settings.clinic.address == "Hauptstraße 1"
    assert settings.report_folder == Path("~/reports").expanduser()
    assert settings.recheck_interval_hours == 2
    assert settings.examiner == "Dr Vogel"


def test_neuroexam_config_points_at_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = write(tmp_path / "elsewhere" / "mine.toml", 'database_url = "postgresql://u@h/db"\n')
    monkeypatch.setenv("NEUROEXAM_CONFIG", str(other))
    assert settings_path() == other
    assert load_settings().database_url == "postgresql://u@h/db"


def test_platform_config_folder_without_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    from platformdirs import user_config_path

    monkeypatch.delenv("NEUROEXAM_HOME")
    monkeypatch.delenv("NEUROEXAM_CONFIG", raising=False)
    assert settings_path() == user_config_path("neuroexam", appauthor=False) / "settings.toml"


def test_environment_overrides_the_file_field_by_field(
    _isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        _isolated_home / "settings.toml",
        'page_size = "A4"\n[clinic]\nname = "File clinic"\naddress = "File street"\n',
    )
    monkeypatch.setenv("NEUROEXAM_PAGE_SIZE", "Letter")
    monkeypatch.setenv("NEUROEXAM_CLINIC__NAME", "Env clinic")
    settings = load_settings()
    assert settings.page_size == "Letter"
    assert settings.clinic.name == "Env clinic"
    assert settings.clinic.address == "File street"  # nested: only the named field changes


def test_empty_database_url_means_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROEXAM_DATABASE_URL", "")
    assert load_settings().database_url is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('page_size = "A5"\n', "page_size: input should be 'A4' or 'Letter' (got 'A5')"),
        ("recheck_interval_hours = 0\n", "recheck_interval_hours: input should be greater than 0"),
        ("[clinic]\nfax = '1'\n", "clinic.fax: unknown setting (known settings: clinic.name"),
        ("colour = 'red'\n", "colour: unknown setting (known settings: clinic, report_folder"),
        ("database_url = 'localhost'\n", "database_url: expected a database URL"),
        ("clinic = 3\n", "clinic: input should be a valid dictionary"),
    ],
)
def test_bad_values_name_the_file_and_the_field(
    _isolated_home: Path, text: str, expected: str
) -> None:
    path = write(_isolated_home / "settings.toml", text)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_toml_syntax_error_names_file_and_line(_isolated_home: Path) -> None:
    path = write(_isolated_home / "settings.toml", 'page_size = "A4"\nclinic = \n')
    with pytest.raises(SettingsError, match=r"not valid TOML: .*line 2") as caught:
        load_settings()
    assert str(caught.value).startswith(str(path))


def test_bad_environment_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEUROEXAM_RECHECK_INTERVAL_HOURS", "soon")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith(
        "environment variable NEUROEXAM_RECHECK_INTERVAL_HOURS: recheck_interval_hours: "
    )


def test_several_problems_are_counted_on_one_line(_isolated_home: Path) -> None:
    write(_isolated_home / "settings.toml", 'page_size = "A5"\nrecheck_interval_hours = -1\n')
    with pytest.raises(SettingsError, match=r"\(and 1 more problem\)$"):
        load_settings()


def test_importing_the_app_does_not_load_pydantic_settings() -> None:
    code = (
        "import sys\n"
        "import neuroexam.cli, neuroexam.tui.app\n"
        "print('pydantic_settings' in sys.modules, 'reportlab' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False False"
