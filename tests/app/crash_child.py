"""A real editor process for the crash test: opens CLIP, marks three layers with the mouse (a
brush stroke, a rectangle, a polygon), waits for the autosave timer to keep them, writes the
composed masks to EXPECTED (.npy, (frames, H, W) uint8) and prints READY. It is then killed.

Run as ``python -m tests.app.crash_child CLIP SETTINGS_INI EXPECTED`` (QT_QPA_PLATFORM=offscreen,
VANISH_AUTOSAVE_DIR and a short VANISH_AUTOSAVE_MS set by the test)."""

from __future__ import annotations

import sys

import numpy as np
from PySide6.QtCore import QPointF, QSettings, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def main() -> None:
    clip, ini, expected = sys.argv[1:4]
    app = QApplication([sys.argv[0]])
    from app.document import project_io
    from app.main_window import MainWindow
    from app.settings import EditorSettings

    settings = EditorSettings(QSettings(ini, QSettings.Format.IniFormat))
    win = MainWindow(settings)
    win.resize(1200, 800)
    win.show()

    def at(x, y):
        return win.viewer.mapFromScene(QPointF(x, y))

    def drag(pts):
        vp = win.viewer.viewport()
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*pts[0]))
        for p in pts[1:]:
            QTest.mouseMove(vp, at(*p))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(*pts[-1]))

    def edit() -> None:
        win.viewer.render_now()
        win.acts["tool_brush"].trigger()
        win.tool_options.size.setValue(6)
        win.tool_options.hardness.setValue(100)
        drag([(40, 50), (60, 52), (80, 54)])
        win.acts["tool_rect"].trigger()
        drag([(110, 20), (130, 30), (150, 60)])
        win.acts["tool_polygon"].trigger()
        vp = win.viewer.viewport()
        for x, y in [(20, 80), (60, 80), (40, 100)]:
            QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(x, y))
        QTest.mouseDClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(40, 100))
        QTimer.singleShot(50, wait_for_autosave)

    def wait_for_autosave() -> None:
        done = (project_io.autosave_folder(win.clip.path) / "recovery.json").is_file()
        if done and win.projects.saved_revision == (win.masks.doc.revision, win.shape_range()) and not win.jobs:
            doc = win.masks.doc
            np.save(expected, np.stack([doc.compose(i) for i in range(doc.frame_count)]))
            print(f"READY {len(doc.layers)}", flush=True)
            return
        QTimer.singleShot(50, wait_for_autosave)

    win.clipOpened.connect(lambda: QTimer.singleShot(200, edit))
    win.open_path(clip)
    app.exec()


if __name__ == "__main__":
    main()
