"""Screenshot of mask refinement in the editor: on the shared running_car clip, a rectangle and a
polygon (each in its own colour), a cut through the rectangle with the eraser, and the polygon
feathered in the layers panel. docs/editor-refine.png.

    xvfb-run -s '-screen 0 1600x1000x24' python tests/app/make_refine_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VANISH_AUTOSAVE_DIR", tempfile.mkdtemp())

from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tests.app.shotkit import open_window, shared_clip  # noqa: E402

NoMod = Qt.KeyboardModifier.NoModifier




def main() -> int:
    app, win = open_window(shared_clip())
    w, h = win.clip.size
    vp, pos = win.viewer.viewport(), win.viewer.mapFromScene

    def drag(pts):
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, NoMod, pos(QPointF(*pts[0])))
        for p in pts[1:]:
            QTest.mouseMove(vp, pos(QPointF(*p)))
            app.processEvents()
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, NoMod, pos(QPointF(*pts[-1])))
        app.processEvents()

    win.viewer.setFocus()
    QTest.keyClick(win.viewer, Qt.Key.Key_R)
    drag([(0.1 * w, 0.2 * h), (0.3 * w, 0.4 * h), (0.45 * w, 0.6 * h)])
    win.acts["tool_polygon"].trigger()
    for x, y in ((0.6 * w, 0.25 * h), (0.85 * w, 0.3 * h), (0.75 * w, 0.65 * h)):
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, NoMod, pos(QPointF(x, y)))
    QTest.mouseDClick(vp, Qt.MouseButton.LeftButton, NoMod, pos(QPointF(0.75 * w, 0.65 * h)))
    win.layers.feather.setValue(12.0)  # the polygon (active) gets a soft edge
    win.layers.list.setCurrentRow(1)  # the rectangle
    win.tool_options.size.setValue(int(0.03 * w))
    win.tool_options.hardness.setValue(100)
    win.viewer.setFocus()
    QTest.keyClick(win.viewer, Qt.Key.Key_E)
    drag([(0.27 * w, 0.1 * h), (0.29 * w, 0.4 * h), (0.3 * w, 0.7 * h)])
    win.layers.list.setCurrentRow(0)
    win.viewer.render_now()
    for _ in range(20):
        app.processEvents()
    out = ROOT / "docs" / "editor-refine.png"
    win.grab().save(str(out))
    print(f"wrote {out.relative_to(ROOT)}: layers {[(lay.name, lay.mode) for lay in win.masks.doc.layers]}")
    win.projects.discard_changes()
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
