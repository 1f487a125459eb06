"""Screenshots of shape editing in the editor, driven with real mouse drags and key presses on the
shared running_car clip: a rectangle selected with its handles, resized by a corner
(docs/editor-shape-handles.png), and the same shape key-framed at two frames, seen between them
with its key diamonds on its row of the timeline beside a second shape's row (docs/editor-keyframes.png).

    xvfb-run -s '-screen 0 1600x1000x24' python tests/app/make_shape_screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("VANISH_AUTOSAVE_DIR", tempfile.mkdtemp())

from PySide6.QtCore import QEventLoop, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from tests.app.shotkit import open_window, pump, shared_clip  # noqa: E402


def main() -> int:
    app, win = open_window(shared_clip())
    w, h = win.clip.size
    vp = win.viewer.viewport()

    def pos(x, y):
        return win.viewer.mapFromScene(QPointF(x, y))

    def drag(a, b, steps=6):
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(*a))
        for k in range(1, steps + 1):
            QTest.mouseMove(vp, pos(a[0] + (b[0] - a[0]) * k / steps, a[1] + (b[1] - a[1]) * k / steps))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(*b))

    def seek(i):
        win.seek(i)
        pump(app, lambda: win.current == i and win.frame_rgb is not None)
        app.processEvents()

    def shot(name):
        win.viewer.render_now()
        for _ in range(5):
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        win.grab().save(str(ROOT / "docs" / name))
        print("saved", name, flush=True)

    QTest.keyClick(win, Qt.Key.Key_R)  # rectangle tool
    x0, y0, x1, y1 = 0.30 * w, 0.35 * h, 0.48 * w, 0.55 * h
    drag((x0, y0), (x1, y1))
    drag((x1, y1), (x1 + 0.05 * w, y1 + 0.06 * h))  # resize by the bottom-right handle
    lay = win.masks.doc.layers[-1]
    print("rect", [round(v) for v in lay.rect], win.masks.undo_stack.undoText(), flush=True)
    shot("editor-shape-handles.png")
    # the car of the second shot, key-framed at frames 40, 50 and 60 (Ctrl+K, then edits set
    # keys), its frames trimmed to 40-60 on the timeline's layer bar; seen at frame 55
    QTest.keyClick(win, Qt.Key.Key_Delete)
    seek(40)
    drag((460, 140), (590, 260))
    QTest.keyClick(win, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    lay = win.masks.doc.layers[-1]
    seek(50)
    drag((525, 200), (560, 170))  # move
    drag((625, 230), (630, 245))  # bottom-right handle
    seek(60)
    drag((560, 180), (620, 205))
    drag((690, 270), (700, 295))
    print("keys", {f: [tuple(round(v) for v in p) for p in pts] for f, pts in lay.keys.items()}, flush=True)
    tl = win.timeline

    def bar(f0, f1, layer=lay):
        y = int(tl.bar.row_top(layer.id) + tl.bar.row_h() / 2)  # the layer's own row
        a, b = QPoint(int(tl.x_of(f0)), y), QPoint(int(tl.x_of(f1)), y)
        QTest.mousePress(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
        QTest.mouseMove(tl, b)
        QTest.mouseRelease(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b)

    bar(2 / tl.ppf, 40)
    bar(tl.frame_count - 2 / tl.ppf, 61)
    print("range", lay.start, lay.stop, flush=True)
    # a second shape (the clip's watermark corner) on a row of its own, trimmed to frames 30-70
    seek(45)
    drag((0.80 * w, 0.04 * h), (0.97 * w, 0.14 * h))
    logo = win.masks.doc.layers[-1]
    bar(2 / tl.ppf, 30, logo)
    bar(tl.frame_count - 2 / tl.ppf, 71, logo)
    print("second range", logo.start, logo.stop, flush=True)
    win.layers.list.setCurrentRow(1)  # the key-framed shape is the active layer again
    tl.set_zoom(tl.width() / 50, 0)
    tl.set_offset(25)
    seek(55)
    shot("editor-keyframes.png")
    win.projects.discard_changes()
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
