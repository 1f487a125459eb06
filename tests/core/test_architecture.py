"""The core stays free of Qt, the GUI free of model code, and the core's packages form layers
(import-linter contracts in pyproject, with no ignored imports)."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is not installed (pip install -e '.[dev]')"
    res = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert re.search(r"Contracts: [3-9]\d* kept, 0 broken", res.stdout), res.stdout
    assert re.search(r"inpaint_core layers .*KEPT", res.stdout, re.S), res.stdout


def test_no_import_is_ignored():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "ignore_imports" not in text
    assert 'type = "layers"' in text
