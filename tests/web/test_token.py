"""The access token file: made once, 0600 in a 0700 data folder, refused when others may read it."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from neuroexam.records.paths import data_dir
from neuroexam.web.token import (
    MIN_TOKEN_CHARS,
    TokenError,
    cookie_value,
    load_or_create_token,
    same_secret,
    token_path,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_first_start_makes_a_private_token_beside_the_records() -> None:
    folder = data_dir()
    assert not folder.exists()
    token = load_or_create_token(folder)
    assert len(token) >= MIN_TOKEN_CHARS
    assert token_path(folder).read_text() == token + "\n"
    assert _mode(folder) == 0o700
    assert _mode(token_path(folder)) == 0o600
    # the next start uses the same token
    assert load_or_create_token(folder) == token


def test_each_data_folder_gets_its_own_random_token(tmp_path: Path) -> None:
    assert load_or_create_token(tmp_path / "a") != load_or_create_token(tmp_path / "b")


def test_an_open_data_folder_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "records"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    load_or_create_token(folder)
    assert _mode(folder) == 0o700


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_a_token_file_others_may_read_is_refused(tmp_path: Path, mode: int) -> None:
    load_or_create_token(tmp_path)
    token_path(tmp_path).chmod(mode)
    with pytest.raises(TokenError) as caught:
        load_or_create_token(tmp_path)
    message = str(caught.value)
    assert str(token_path(tmp_path)) in message and f"{mode:04o}" in message
    assert "\n" not in message


@pytest.mark.parametrize("content", ["", "short", "x" * 40 + " <script>", "\u00e9" * 40])
def test_a_damaged_token_file_is_refused(tmp_path: Path, content: str) -> None:
    path = token_path(tmp_path)
    path.write_text(content, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(TokenError, match="web-token"):
        load_or_create_token(tmp_path)


def test_cookie_is_derived_and_comparison_rejects_none() -> None:
    token = "a" * 43
    assert cookie_value(token) != token
    assert cookie_value(token) == cookie_value(token) != cookie_value("b" * 43)
    assert same_secret(token, token)
    assert not same_secret(None, token)
    assert not same_secret(token[:-1], token)
