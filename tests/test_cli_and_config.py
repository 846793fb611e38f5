"""The command line, settings file, styles lookup and text sanitising."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pieces_tui import __version__
from pieces_tui.cli import build_parser, main
from pieces_tui.config import DEFAULT_THEME, Settings
from pieces_tui.paths import styles_dir
from pieces_tui.sanitize import clean_line, clean_text


def test_help_and_version_work_from_a_real_process() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pieces_tui", "--help"], capture_output=True, text=True, check=True
    )
    assert "--demo" in out.stdout and "--url" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "pieces_tui", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"pieces-tui {__version__}"


def test_db_and_seed_need_demo(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--seed", "5"])
    assert exit_info.value.code == 2
    assert "only apply with --demo" in capsys.readouterr().err


def test_url_and_demo_are_exclusive() -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--demo", "--url", "http://127.0.0.1:1"])


def test_settings_round_trip_and_tolerate_a_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "config.json"
    settings = Settings.load(path)
    assert settings.theme == DEFAULT_THEME
    settings.theme = "nord"
    settings.save()
    assert Settings.load(path).theme == "nord"
    path.write_text("{not json", encoding="utf-8")
    assert Settings.load(path).theme == DEFAULT_THEME


def test_styles_are_found() -> None:
    assert (styles_dir() / "app.tcss").is_file()
    assert (styles_dir() / "detail.tcss").is_file()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("plain [bold]markup[/] stays literal", "plain [bold]markup[/] stays literal"),
        ("red \x1b[31malert\x1b[0m", "red alert"),
        ("title \x1b]0;pwned\x07done", "title done"),
        ("bell\x07 and null\x00", "bell and null"),
        ("bidi \u202eevil", "bidi evil"),
        ("keeps\nnewlines\tand tabs", "keeps\nnewlines\tand tabs"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_clean_line_flattens_whitespace() -> None:
    assert clean_line("two\nlines\x1b[1m") == "two lines"


def test_help_shows_serve_and_its_options() -> None:
    from pieces_tui.server.cli import build_parser as serve_parser

    text = build_parser().format_help()
    assert "pieces-tui serve [" in text and "--allow-host" in text and "--utc" in text
    serve_usage = next(line for line in text.splitlines() if "pieces-tui serve [" in line)
    start = text.index(serve_usage)
    shown = text[start : text.index("pieces-tui {", start)]
    for action in serve_parser()._actions:  # every option of serve is in the app's usage
        if action.option_strings and action.dest != "help":
            assert action.option_strings[0] in shown, action.option_strings
    assert max(len(line) for line in text.splitlines()) <= 80
