"""What the screenshot scripts share: pumping the event loop until a condition holds, and the real
editor window opened on a shared clip under Xvfb (themed, activated so shortcuts fire)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, QSettings
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

ROOT = Path(__file__).resolve().parents[2]


def pump(app, until, timeout=300.0):
    """Process events until ``until()`` is true; exit the script if ``timeout`` seconds pass first."""
    t0 = time.monotonic()
    while not until() and time.monotonic() - t0 < timeout:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    if not until():
        raise SystemExit("timed out")


def shared_clip(name: str = "running_car") -> Path:
    shared = Path(os.environ.get("VANISH_SHARED", ROOT.parent / "shared"))
    return shared / "data" / "clips" / name / "video.mp4"


def open_window(clip: Path, size=(1600, 1000)):
    """(app, window) with ``clip`` open and its first frame shown."""
    os.environ.setdefault("VANISH_AUTOSAVE_DIR", tempfile.mkdtemp())
    from app.main_window import MainWindow
    from app.settings import EditorSettings
    from app.theme import apply_theme

    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    settings = EditorSettings(QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat))
    win = MainWindow(settings)
    win.resize(*size)
    win.show()
    win.activateWindow()
    QTest.qWaitForWindowActive(win)
    win.open_path(clip)
    pump(app, lambda: win.frame_rgb is not None)
    return app, win
