"""The domain core must run without a terminal: no textual, pandas or rich."""

import subprocess
import sys

FORBIDDEN = ("textual", "pandas", "rich")


def test_core_imports_no_ui_or_table_library() -> None:
    code = (
        "import sys\n"
        "import neuroexam.core.models, neuroexam.core.levels, neuroexam.core.protocol\n"
        "import neuroexam.core.breeds, neuroexam.core.localize, neuroexam.core.rules\n"
        "import neuroexam.core.observations, neuroexam.core.report\n"
        "from neuroexam.core.protocol import shipped\n"
        "shipped()\n"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "[]", f"neuroexam.core pulled in: {out}"


def test_cli_help_does_not_import_pandas() -> None:
    code = (
        "import sys\n"
        "from neuroexam import cli\n"
        "print('pandas' in sys.modules, 'textual' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False False"
