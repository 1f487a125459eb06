"""An imported bitmap shape moves as a whole with the select tool (V): a drag on its pixels
translates it on every frame of its range in one undo step; the key action and a press on painted
strokes say why those cannot be keyed or moved."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from inpaint_core.masks import ShapeLayer
from inpaint_core.masks.bitmapmove import shift_mask
from tests.app.conftest import open_clip, wait_job
from tests.app.test_editor_shapes import drag, vp_pos

N = 24


def test_drag_moves_an_imported_bitmap_on_every_frame(qtbot, win, clip_file, tmp_path):
    open_clip(qtbot, win, clip_file)
    logo = np.zeros((108, 192), np.uint8)
    logo[10:30, 120:160] = 255
    cv2.circle(logo, (60, 70), 12, 255, -1)  # two parts: both move together
    cv2.imwrite(str(tmp_path / "logo.png"), logo)
    assert wait_job(qtbot, win.mask_files.import_masks(tmp_path / "logo.png")) == "ok"
    lay = win.masks.doc.layers[-1]
    assert isinstance(lay, ShapeLayer) and lay.shape == "bitmap"
    before = [win.masks.doc.compose(i).copy() for i in range(N)]
    steps = win.masks.undo_stack.count()
    win.activateWindow()
    QTest.keyClick(win, Qt.Key.Key_V)
    assert win.tools.tool == "select"
    drag(win, [(140, 20), (150, 25), (157, 32)])  # by (17, 12), grabbed on the rectangle part
    moved = [win.masks.doc.compose(i) for i in range(N)]
    assert all(np.array_equal(m, shift_mask(b, 17, 12)) for m, b in zip(moved, before))
    ys, xs = np.nonzero(moved[5])
    print(f"\nbitmap moved: area {xs.size} (was {int((before[5] > 0).sum())}), "
          f"centroid ({xs.mean():.1f}, {ys.mean():.1f})")
    assert win.masks.undo_stack.count() == steps + 1 and win.masks.undo_stack.undoText() == f"Move {lay.name}"
    # a press beside it (no pixel of it there) moves nothing
    drag(win, [(100, 100), (110, 104)])
    assert all(np.array_equal(win.masks.doc.compose(i), m) for i, m in enumerate(moved))
    # the key action says why a bitmap has no keys
    QTest.keyClick(win, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert "moves as a whole" in win.status_label.text() and not lay.keys
    win.acts["undo"].trigger()
    assert all(np.array_equal(win.masks.doc.compose(i), b) for i, b in enumerate(before))
    win.acts["redo"].trigger()
    assert all(np.array_equal(win.masks.doc.compose(i), m) for i, m in enumerate(moved))


def test_select_on_painted_strokes_says_why_they_do_not_move(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.acts["tool_brush"].trigger()
    win.tool_options.size.setValue(9)
    drag(win, [(40, 40), (80, 40)])
    painted = win.masks.doc.compose(0).copy()
    assert painted.any()
    win.activateWindow()
    QTest.keyClick(win, Qt.Key.Key_V)
    vp = win.viewer.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, 60, 40))
    QTest.mouseMove(vp, vp_pos(win, 80, 60))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, 80, 60))
    assert np.array_equal(win.masks.doc.compose(0), painted)
    assert "painted frame by frame" in win.status_label.text()
