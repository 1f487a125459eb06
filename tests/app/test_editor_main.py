"""The entry point: no display -> a clear message (or the headless demo), never a Qt abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QSettings

from app.main import cli_has_demo, has_display
from app.settings import EditorSettings
from app.views.settings_dialog import SettingsDialog

ROOT = Path(__file__).resolve().parents[2]


def test_without_a_display_runs_the_demo_or_says_so(monkeypatch, capsys):
    import app.main as entry

    for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(entry.sys, "platform", "linux")
    calls = []
    monkeypatch.setattr("inpaint_core.cli.main", lambda argv: calls.append(argv) or 0)
    rc = entry.main([])
    err = capsys.readouterr().err
    assert "No display found" in err
    if cli_has_demo():
        assert calls == [["demo"]] and rc == 0 and "headless demo" in err
    else:
        assert rc == 2 and "vanish --help" in err and calls == []


def test_no_display_message_from_a_real_process(tmp_path, monkeypatch):
    import app.main as entry

    monkeypatch.setattr(entry, "cli_has_demo", lambda: False)
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env["PYTHONPATH"] = str(ROOT)
    code = "import sys, app.main as m; m.cli_has_demo = lambda: False; sys.exit(m.main([]))"
    res = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 2 and "No display found" in res.stderr and "Traceback" not in res.stderr


def test_display_detection(monkeypatch):
    for k in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(k, raising=False)
    assert not has_display() or sys.platform in ("win32", "darwin")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert has_display()
    monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("DISPLAY", ":0")
    assert has_display()


def test_settings_dialog_stores_choices(qtbot, tmp_path):
    s = EditorSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    dlg = SettingsDialog(s)
    qtbot.addWidget(dlg)
    dlg.device.setCurrentIndex(dlg.device.findData("cpu"))
    dlg.cache.setValue(1024)
    dlg.preview_size.setValue(480)
    k = dlg.engine.findData("telea")
    dlg.engine.setCurrentIndex(k)
    dlg.accept()
    again = EditorSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert (again.device, again.cache_mb, again.preview_long_side, again.engine) == ("cpu", 1024, 480, "telea")


def test_model_manager_imports_and_removes(qtbot, tmp_path, monkeypatch):
    import pytest

    from app.views.errors_ui import ErrorPresenter
    from app.views.models_panel import ModelsPanel, models_available
    from tests.app.conftest import wait_job
    from tests.shared import shared_path

    if not models_available():
        pytest.skip("the model manager is not part of this build")
    ckpt = shared_path("fixtures", "sttn_reference", "sttn_random_weights.pth")
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "models"))
    presenter = ErrorPresenter()
    panel = ModelsPanel(presenter)
    qtbot.addWidget(panel)
    assert panel.rows["sttn"]["state"].text() == "Not installed"
    assert not panel.rows["sttn"]["remove"].isEnabled()
    # a file that is not a checkpoint is refused with a clear message, nothing installed
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    r = panel.import_file("sttn", junk)
    assert wait_job(qtbot, r, timeout=120000) == "failed"
    assert presenter.history and presenter.history[-1][0] == "Import failed"
    assert panel.rows["sttn"]["state"].text() == "Not installed"
    r = panel.import_file("sttn", ckpt)
    assert wait_job(qtbot, r, timeout=120000) == "ok", presenter.history
    assert panel.rows["sttn"]["state"].text().startswith("Installed")
    assert (tmp_path / "models").is_dir()
    panel.remove("sttn")
    assert panel.rows["sttn"]["state"].text() == "Not installed"
