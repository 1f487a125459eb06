"""Every layer has its own row on the timeline: each shape layer's range can be dragged and
trimmed there (not only the active layer's), a painted layer's row shows the frames it holds, and
many layers share the strip (thinner rows, the wheel scrolls them)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from inpaint_core.masks import ShapeLayer
from tests.app.conftest import open_clip

N = 24


def row_drag(win, layer_id, f0, f1):
    tl = win.timeline
    y = int(tl.bar.row_top(layer_id) + tl.bar.row_h() / 2)
    QTest.mousePress(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(tl.x_of(f0)), y))
    QTest.mouseMove(tl, QPoint(int(tl.x_of((f0 + f1) / 2)), y))
    QTest.mouseMove(tl, QPoint(int(tl.x_of(f1)), y))
    QTest.mouseRelease(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(tl.x_of(f1)), y))


def covered(win, layer):
    return [bool(layer.mask(i).any()) for i in range(N)]


def test_each_layer_range_is_dragged_and_trimmed_on_its_own_row(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.tools.add_shape("rect", [(10, 10), (40, 30)])
    win.tools.add_shape("polygon", [(100, 20), (150, 25), (130, 60)])
    win.acts["tool_brush"].trigger()
    vp = win.viewer.viewport()
    pos = win.viewer.mapFromScene
    win.layers.add_btn.click()  # a paint layer of its own
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(60, 80)))
    QTest.mouseMove(vp, pos(QPointF(80, 85)))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(80, 85)))
    layers = win.masks.doc.layers
    rect, poly = (next(lay for lay in layers if getattr(lay, "shape", None) == k) for k in ("rect", "polygon"))
    paint = layers[-1]
    assert paint.kind == "painted" and paint.frames == [0] and win.masks.active_layer() is paint
    bar = win.timeline.bar
    # one row per layer, top layer first; the painted one shows its frame and is not a range
    assert [r.id for r in bar.rows] == [paint.id, poly.id, rect.id]
    assert [r.editable for r in bar.rows] == [False, True, True] and bar.rows[0].frames == [0]
    assert bar.rows[1].color != bar.rows[2].color
    # trim the rectangle's end (it is not the active layer), then move the polygon's range
    row_drag(win, rect.id, N - 2 / win.timeline.ppf, 10)
    assert (rect.start, rect.stop) == (0, 10) and bar.span(rect.id) == (0, 10)
    assert covered(win, rect) == [i < 10 for i in range(N)]
    assert (poly.start, poly.stop) == (0, None) and win.masks.active_layer() is paint
    row_drag(win, poly.id, 2 / win.timeline.ppf, 5)  # trim its start to frame 5
    assert (poly.start, poly.stop) == (5, None) and covered(win, poly) == [i >= 5 for i in range(N)]
    row_drag(win, poly.id, N - 2 / win.timeline.ppf, 15)  # and its end to 15
    assert (poly.start, poly.stop) == (5, 15)
    row_drag(win, poly.id, 10, 13)  # then move the whole range by 3 frames
    assert (poly.start, poly.stop) == (8, 18) and covered(win, poly) == [8 <= i < 18 for i in range(N)]
    assert (rect.start, rect.stop) == (0, 10)  # the other layer kept its range
    # a drag on the painted row edits nothing (its frames are painted); it only scrubs
    steps = win.masks.undo_stack.count()
    with qtbot.waitSignal(win.frameShown, timeout=10000):
        row_drag(win, paint.id, 0.5, 6.5)
    assert win.masks.undo_stack.count() == steps and paint.frames == [0]
    # each edit is one undo step, restoring that layer alone
    win.acts["undo"].trigger()
    assert (poly.start, poly.stop) == (5, 15) and (rect.start, rect.stop) == (0, 10)
    win.acts["undo"].trigger()
    win.acts["undo"].trigger()
    assert (poly.start, poly.stop, rect.stop) == (0, None, 10)
    win.acts["undo"].trigger()
    assert (rect.start, rect.stop) == (0, None) and covered(win, rect) == [True] * N


def test_many_layers_share_the_strip_and_scroll(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    for k in range(9):
        win.tools.add_shape("rect", [(5 + 15 * k, 5), (15 + 15 * k, 15)])
    bar = win.timeline.bar
    assert len(bar.rows) == 9 and bar.row_h() < 16 and bar.visible_rows() < 9
    last = bar.rows[-1]  # the bottom layer, scrolled out of the strip
    assert bar.row_top(last.id) is None
    tl = win.timeline
    at = QPointF(tl.width() / 2, bar.top + 5)
    for _ in range(9):  # the wheel over the strip scrolls the rows (QTest has no wheel: send one)
        QApplication.sendEvent(tl, QWheelEvent(at, tl.mapToGlobal(at), QPoint(0, 0), QPoint(0, -120),
                                               Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                                               Qt.ScrollPhase.NoScrollPhase, False))
    assert bar.row_top(last.id) is not None and tl.ppf == tl.width() / N  # the zoom did not change
    lay = win.masks.doc.layer(last.id)
    assert isinstance(lay, ShapeLayer)
    row_drag(win, last.id, N - 2 / win.timeline.ppf, 6)
    assert (lay.start, lay.stop) == (0, 6)
    assert np.array_equal([bool(lay.mask(i).any()) for i in range(N)], [i < 6 for i in range(N)])
