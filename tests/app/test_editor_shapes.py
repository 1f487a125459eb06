"""Editing shapes in the real window with the mouse and keyboard: move and resize a rectangle by
its handles, drag a polygon vertex, delete a shape, trim and move a layer's frames on the timeline,
key-frame a shape at two frames; every edit is one undo step that restores the mask exactly."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest

from inpaint_core.cli import main
from inpaint_core.masks import ShapeLayer, open_masks
from inpaint_core.masks.keys import rasterize
from inpaint_core.project import Project
from tests.app.conftest import open_clip, seek, wait_job

N = 24


def vp_pos(win, x, y):
    return win.viewer.mapFromScene(QPointF(x, y))


def drag(win, pts):
    vp = win.viewer.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, *pts[0]))
    for p in pts[1:]:
        QTest.mouseMove(vp, vp_pos(win, *p))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, *pts[-1]))


def masks(win):
    return [win.masks.doc.compose(i).copy() for i in range(N)]


def stats(m):
    ys, xs = np.nonzero(m)
    return int(xs.size), (float(xs.mean()), float(ys.mean())) if xs.size else None


def shapes(win):
    return [lay for lay in win.masks.doc.layers if isinstance(lay, ShapeLayer)]


def test_move_and_resize_a_rectangle_by_its_handles(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.acts["tool_rect"].trigger()
    drag(win, [(50, 30), (90, 50), (130, 70)])
    assert len(shapes(win)) == 1 and win.shape_editor.selected == shapes(win)[0].id
    drawn = masks(win)
    assert stats(drawn[5]) == (80 * 40, (89.5, 49.5))
    assert sum(h.isVisible() for h in win.shape_editor.handles) == 8
    win.acts["mode_result"].trigger()  # no handles over the result
    assert not any(h.isVisible() for h in win.shape_editor.handles)
    win.acts["mode_original"].trigger()
    assert sum(h.isVisible() for h in win.shape_editor.handles) == 8
    steps = win.masks.undo_stack.count()
    # a drag inside the rectangle with the rectangle tool moves it (no second rectangle)
    drag(win, [(90, 50), (100, 55), (110, 60)])
    assert len(shapes(win)) == 1 and win.masks.undo_stack.count() == steps + 1
    assert win.masks.undo_stack.undoText().startswith("Move")
    for i in (0, 12, 23):
        assert stats(win.masks.doc.compose(i)) == (80 * 40, (109.5, 59.5)), i
    moved = masks(win)
    # the bottom-right corner handle resizes it; the right edge handle only widens it
    drag(win, [(150, 80), (160, 90), (170, 95)])
    assert stats(win.masks.doc.compose(3)) == (100 * 55, (119.5, 67.0))
    drag(win, [(170, 67.5), (175, 67.5), (180, 67.5)])
    assert stats(win.masks.doc.compose(3)) == (110 * 55, (124.5, 67.0))
    assert win.masks.undo_stack.count() == steps + 3
    win.acts["undo"].trigger()
    win.acts["undo"].trigger()
    assert all(np.array_equal(a, b) for a, b in zip(masks(win), moved, strict=True))
    win.acts["undo"].trigger()
    assert all(np.array_equal(a, b) for a, b in zip(masks(win), drawn, strict=True))
    # Shift+drag inside it draws a second rectangle instead
    vp = win.viewer.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, vp_pos(win, 60, 40))
    QTest.mouseMove(vp, vp_pos(win, 80, 60))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, vp_pos(win, 80, 60))
    assert len(shapes(win)) == 2 and [round(v) for v in shapes(win)[1].rect] == [60, 40, 20, 20]


def test_drag_a_polygon_vertex_and_delete_the_shape(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.acts["tool_polygon"].trigger()
    vp = win.viewer.viewport()
    for x, y in [(20, 20), (80, 20), (80, 80)]:
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, x, y))
    QTest.mouseDClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, 20, 80))
    poly = shapes(win)[0]
    before = masks(win)
    win.activateWindow()
    QTest.qWaitForWindowActive(win)
    QTest.keyClick(win, Qt.Key.Key_V)  # the select tool
    assert win.tools.tool == "select"
    drag(win, [(80, 80), (90, 90), (100, 100)])
    pts = [(round(x), round(y)) for x, y in poly.points]
    assert pts == [(20, 20), (80, 20), (100, 100), (20, 80)]
    expected = rasterize("polygon", tuple(poly.points), poly.size)
    assert np.array_equal(win.masks.doc.compose(7), expected)
    assert (expected > 0).sum() > (before[7] > 0).sum() + 500
    win.acts["undo"].trigger()
    assert all(np.array_equal(a, b) for a, b in zip(masks(win), before, strict=True))
    # select by clicking inside, then Delete removes it (one undo step brings it back)
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, 40, 50))
    assert win.shape_editor.selected == poly.id
    QTest.keyClick(win, Qt.Key.Key_Delete)
    assert shapes(win) == [] and win.masks.doc.compose(7).sum() == 0
    win.acts["undo"].trigger()
    assert all(np.array_equal(a, b) for a, b in zip(masks(win), before, strict=True))
    # a click on nothing deselects: Delete then removes nothing
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, 170, 100))
    assert win.shape_editor.selected is None
    QTest.keyClick(win, Qt.Key.Key_Delete)
    assert len(shapes(win)) == 1 and "Select a shape" in win.status_label.text()


def bar_drag(win, f0, f1):
    tl = win.timeline
    y = tl.bar.top + 8
    QTest.mousePress(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(tl.x_of(f0)), y))
    QTest.mouseMove(tl, QPoint(int(tl.x_of((f0 + f1) / 2)), y))
    QTest.mouseMove(tl, QPoint(int(tl.x_of(f1)), y))
    QTest.mouseRelease(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(int(tl.x_of(f1)), y))


def test_trim_and_move_a_layer_on_the_timeline(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.acts["tool_rect"].trigger()
    drag(win, [(50, 30), (130, 70)])
    lay = shapes(win)[0]
    assert (lay.start, lay.stop) == (0, None) and win.timeline.bar.span() == (0, N)
    drawn = masks(win)
    bar_drag(win, N - 2 / win.timeline.ppf, 12)  # the right end, trimmed to frame 12
    assert (lay.start, lay.stop) == (0, 12) and win.timeline.bar.span() == (0, 12)
    assert win.masks.doc.compose(11).any() and not win.masks.doc.compose(12).any()
    trimmed = masks(win)
    bar_drag(win, 6, 10)  # the middle: the range moves by 4 frames
    assert (lay.start, lay.stop) == (4, 16)
    assert [bool(m.any()) for m in masks(win)] == [4 <= i < 16 for i in range(N)]
    assert win.current == 0  # dragging the bar does not scrub; a click on it goes to that frame
    steps = win.masks.undo_stack.count()
    with qtbot.waitSignal(win.frameShown, timeout=10000):
        bar_drag(win, 9.5, 9.5)
    assert win.current == 9 and win.masks.undo_stack.count() == steps
    win.acts["undo"].trigger()
    assert all(np.array_equal(a, b) for a, b in zip(masks(win), trimmed, strict=True))
    win.acts["undo"].trigger()
    assert all(np.array_equal(a, b) for a, b in zip(masks(win), drawn, strict=True))
    assert win.timeline.bar.span() == (0, N)


def test_key_frame_a_shape_at_two_frames(qtbot, win, clip_file, tmp_path):
    open_clip(qtbot, win, clip_file)
    win.acts["tool_rect"].trigger()
    drag(win, [(20, 20), (60, 40)])  # 40 x 20 at frame 0
    lay = shapes(win)[0]
    drawn = masks(win)
    win.activateWindow()
    QTest.qWaitForWindowActive(win)
    QTest.keyClick(win, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)  # a key at frame 0
    assert list(lay.keys) == [0]
    seek(qtbot, win, 20)
    drag(win, [(40, 30), (80, 50), (120, 70)])  # moved by (80, 40) at frame 20: a second key
    assert sorted(lay.keys) == [0, 20]
    assert win.timeline.bar.keys == [0, 20]
    assert stats(win.masks.doc.compose(0)) == (800, (39.5, 29.5))
    assert stats(win.masks.doc.compose(20)) == (800, (119.5, 69.5))
    assert stats(win.masks.doc.compose(23)) == (800, (119.5, 69.5))  # held after the last key
    for i in (5, 10, 15):  # linear in between: same area, centroid on the line
        area, (cx, cy) = stats(win.masks.doc.compose(i))
        print(f"frame {i}: area {area}, centroid ({cx:.2f}, {cy:.2f})")
        assert area == 800 and abs(cx - (39.5 + 4 * i)) <= 0.5 and abs(cy - (29.5 + 2 * i)) <= 0.5
    # Down walks the key frames
    seek(qtbot, win, 2)
    win.acts["next_key"].trigger()
    assert win.current == 20
    # the project saved by the editor gives the export (core compose) the same per-frame masks
    runner = win.projects.save_project_as(tmp_path / "keys.vanish")
    assert wait_job(qtbot, runner) == "ok"
    back = Project.load(tmp_path / "keys.vanish")
    assert all(np.array_equal(back.layers.compose(i), win.masks.doc.compose(i)) for i in range(N))
    out = tmp_path / "masks"  # and the command line writes the same interpolated masks
    assert main(["masks", "export", str(tmp_path / "keys.vanish"), "--out", str(out)]) == 0
    src = open_masks(out, N, (192, 108))
    assert all(np.array_equal(src.mask(i), win.masks.doc.compose(i)) for i in range(N))
    # removing the key at 20 (Ctrl+K there) leaves one key: the shape is stationary again
    seek(qtbot, win, 20)
    QTest.keyClick(win, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert list(lay.keys) == [0] and stats(win.masks.doc.compose(12)) == (800, (39.5, 29.5))
    # many keys in one undo step (the hook a shape tracker's result goes through)
    steps = win.masks.undo_stack.count()
    win.masks.set_shape_keys(lay.id, {f: [(20 + f, 20), (60 + f, 40)] for f in range(1, 12)})
    assert win.masks.undo_stack.count() == steps + 1 and sorted(lay.keys) == list(range(12))
    assert stats(win.masks.doc.compose(6)) == (800, (45.5, 29.5))
    for _ in range(4):
        win.acts["undo"].trigger()
    assert lay.keys == {} and all(np.array_equal(a, b) for a, b in zip(masks(win), drawn, strict=True))
