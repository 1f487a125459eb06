"""Screenshots of the first run for the user guide: the welcome screen, the demo project open with
its preview, and the shortcuts sheet (docs/first-run-welcome.png, -demo.png, -result.png, -export.png, -models.png, -shortcuts.png).

    xvfb-run -s '-screen 0 1600x1000x24' python tests/app/make_first_run_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
TMP = Path(tempfile.mkdtemp(prefix="vanish-shots-"))
os.environ.setdefault("VANISH_AUTOSAVE_DIR", str(TMP / "autosave"))
os.environ.setdefault("VANISH_DEMO_DIR", str(TMP / "demo"))

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.main_window import MainWindow  # noqa: E402
from app.settings import EditorSettings  # noqa: E402
from app.theme import apply_theme  # noqa: E402


def pump(app, until=None, timeout=300.0):
    """Process events until ``until()`` is true (or, without one, for ``timeout`` seconds)."""
    t0 = time.monotonic()
    while not (until and until()) and time.monotonic() - t0 < timeout:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    if until is not None and not until():
        raise SystemExit("timed out")


def main() -> int:
    app = QApplication.instance() or QApplication([])
    apply_theme(app)
    settings = EditorSettings(QSettings(str(TMP / "s.ini"), QSettings.Format.IniFormat))
    settings.preview_long_side = 480
    win = MainWindow(settings)
    win.resize(1400, 860)
    win.show()
    pump(app, timeout=1.0)
    docs = ROOT / "docs"
    win.grab().save(str(docs / "first-run-welcome.png"))
    win.welcome.demo_btn.click()
    pump(app, lambda: win.clip is not None and win.frame_rgb is not None and win.projects.project is not None)
    win.seek(12)
    pump(app, lambda: win.current == 12 and win.frame_rgb is not None, 30)
    pump(app, timeout=1.0)
    win.grab().save(str(docs / "first-run-demo.png"))  # both layers marked (overlay)
    win.start_preview()
    pump(app, lambda: not win.preview.running and win.preview.results)
    win.set_mode("result")
    win.seek(13)
    pump(app, lambda: win.current == 13 and win.viewer.result is not None, 30)
    pump(app, timeout=1.0)
    win.grab().save(str(docs / "first-run-result.png"))  # ball and logo removed
    dlg = win.exports.ask_export()
    pump(app, timeout=1.0)
    dlg.grab().save(str(docs / "first-run-export.png"))
    dlg.close()
    settings_dlg = win.show_settings()
    settings_dlg.resize(820, 620)
    pump(app, timeout=1.5)
    settings_dlg.grab().save(str(docs / "first-run-models.png"))
    settings_dlg.close()
    sheet = win.show_shortcuts()
    pump(app, timeout=1.0)
    sheet.grab().save(str(docs / "first-run-shortcuts.png"))
    print("wrote", ", ".join(f"docs/first-run-{n}.png" for n in ("welcome", "demo", "result", "export", "models", "shortcuts")))
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
