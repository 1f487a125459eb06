"""The real editor window, driven as a user would: open, paint, undo, shapes, preview, errors."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from inpaint_core.masks import PaintedLayer, ShapeLayer
from tests.app.conftest import open_clip, seek


def vp_pos(win, x, y):
    return win.viewer.mapFromScene(QPointF(x, y))


def drag(win, pts, button=Qt.MouseButton.LeftButton):
    vp = win.viewer.viewport()
    QTest.mousePress(vp, button, Qt.KeyboardModifier.NoModifier, vp_pos(win, *pts[0]))
    for p in pts[1:]:
        QTest.mouseMove(vp, vp_pos(win, *p))
    QTest.mouseRelease(vp, button, Qt.KeyboardModifier.NoModifier, vp_pos(win, *pts[-1]))


def test_open_paint_stroke_and_undo(qtbot, win, clip_file):
    clip = open_clip(qtbot, win, clip_file)
    assert clip.frame_count == 24 and clip.size == (192, 108)
    assert win.frame_rgb.shape == (108, 192, 3)
    assert "clip.mp4" in win.windowTitle()
    win.acts["tool_brush"].trigger()
    win.tool_options.size.setValue(6)
    win.tool_options.hardness.setValue(100)
    drag(win, [(40, 50), (60, 52), (80, 54), (100, 56)])
    m = win.masks.doc.compose(0)
    assert m[54, 80] == 255 and m[50, 40] == 255  # on the stroke
    assert m[10, 10] == 0 and m[100, 180] == 0  # far from it
    assert 60 * 10 < (m > 0).sum() < 70 * 14
    assert win.masks.doc.compose(1).sum() == 0  # painted on the current frame only
    assert win.isWindowModified()
    n_steps = win.masks.undo_stack.count()
    win.acts["undo"].trigger()
    assert win.masks.doc.compose(0).sum() == 0
    win.acts["redo"].trigger()
    assert (win.masks.doc.compose(0) == m).all()
    # one stroke is one step (plus creating the paint layer once)
    drag(win, [(20, 20), (30, 30), (40, 40), (50, 50), (60, 60)])
    assert win.masks.undo_stack.count() == n_steps + 1
    win.acts["undo"].trigger()
    assert (win.masks.doc.compose(0) == m).all()


def test_eraser_removes_paint(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.tool_options.size.setValue(8)
    win.tool_options.hardness.setValue(100)
    drag(win, [(30, 50), (150, 50)])
    assert win.masks.doc.compose(0)[50, 90] == 255
    win.acts["tool_eraser"].trigger()
    drag(win, [(90, 30), (90, 70)])
    m = win.masks.doc.compose(0)
    assert m[50, 90] == 0 and m[50, 40] == 255 and m[50, 140] == 255


def test_rectangle_becomes_layer_over_in_out_range(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    seek(qtbot, win, 5)
    win.acts["mark_in"].trigger()
    seek(qtbot, win, 12)
    win.acts["mark_out"].trigger()
    assert (win.timeline.in_frame, win.timeline.out_frame) == (5, 12)
    win.acts["tool_rect"].trigger()
    drag(win, [(50, 30), (90, 50), (130, 70)])
    layers = [lay for lay in win.masks.doc.layers if isinstance(lay, ShapeLayer)]
    assert len(layers) == 1 and (layers[0].start, layers[0].stop) == (5, 13)
    for i in range(24):
        area = (win.masks.doc.compose(i) > 0).sum()
        if 5 <= i <= 12:
            assert abs(area - 80 * 40) <= 2 * (80 + 40) + 4, (i, area)
        else:
            assert area == 0, i
    # key frames: the shape's first and last frame; Down jumps to the next one
    seek(qtbot, win, 0)
    win.acts["next_key"].trigger()
    assert win.current == 5
    win.acts["next_key"].trigger()
    assert win.current == 12
    # the layer panel lists it; dilation grows the mask, and is undoable
    assert win.layers.list.count() == 1
    win.layers.dilation.setValue(3)
    assert (win.masks.doc.compose(6) > 0).sum() > 80 * 40 + 2 * (80 + 40)
    win.acts["undo"].trigger()
    assert layers[0].dilation == 0
    # hide and delete
    win.masks.set_layer(layers[0].id, "visible", False)
    assert win.masks.doc.compose(6).sum() == 0
    win.layers.del_btn.click()
    assert win.masks.doc.layers == []
    win.acts["undo"].trigger()
    assert len(win.masks.doc.layers) == 1


def test_polygon_and_lasso_tools(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.acts["tool_polygon"].trigger()
    vp = win.viewer.viewport()
    for x, y in [(20, 20), (80, 20), (80, 80)]:
        QTest.mouseClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, x, y))
    QTest.mouseDClick(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, vp_pos(win, 20, 80))
    poly = win.masks.doc.layers[-1]
    assert isinstance(poly, ShapeLayer) and poly.shape == "polygon"
    area = (win.masks.doc.compose(3) > 0).sum()
    assert 60 * 60 * 0.8 < area < 60 * 60 * 1.2
    win.acts["tool_lasso"].trigger()
    drag(win, [(120, 20), (170, 20), (170, 70), (120, 70)])
    lasso = win.masks.doc.layers[-1]
    assert lasso.shape == "polygon" and lasso.name.startswith("Lasso") and (win.masks.doc.compose(0)[45, 145]) == 255


def test_keyboard_transport(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.viewer.setFocus()
    with qtbot.waitSignal(win.frameShown, check_params_cb=lambda i: i == 1):
        QTest.keyClick(win, Qt.Key.Key_Right)
    with qtbot.waitSignal(win.frameShown, check_params_cb=lambda i: i == 23):
        QTest.keyClick(win, Qt.Key.Key_End)
    with qtbot.waitSignal(win.frameShown, check_params_cb=lambda i: i == 0):
        QTest.keyClick(win, Qt.Key.Key_Home)
    # play runs at the clip's rate and stops at the end
    with qtbot.waitSignal(win.frameShown, timeout=10000, check_params_cb=lambda i: i == 23):
        QTest.keyClick(win, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not win.clock.playing, timeout=5000)


def test_scrubbing_shows_the_newest_frame(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    tl = win.timeline
    for x in range(5, tl.width() - 5, 25):  # a fast drag across the timeline
        QTest.mouseMove(tl, QPointF(x, 40).toPoint())
        QTest.mousePress(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPointF(x, 40).toPoint())
    target = tl.frame_at(tl.width() - 30)
    with qtbot.waitSignal(win.frameShown, check_params_cb=lambda i: i == target):
        QTest.mousePress(tl, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                         QPointF(tl.width() - 30, 40).toPoint())
    assert win.current == target
    win.viewer.render_now()
    assert np.array_equal(win.frame_rgb, win.clip.new_reader().frame(target))


def test_preview_fills_inside_mask_only(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.playback.set_in_out(0, 11)
    win.tools.add_shape("rect", [(60, 30), (110, 70)])
    k = win.preview_bar.engine.findData("telea")
    assert k >= 0
    win.preview_bar.engine.setCurrentIndex(k)
    seek(qtbot, win, 6)
    runner = win.start_preview()
    assert runner is not None
    qtbot.waitUntil(lambda: not win.preview.running, timeout=240000)
    assert sorted(win.preview.results) == list(range(12))
    assert win.timeline.filled == set(range(12))
    win.set_mode("result")
    win.viewer.render_now()
    shown, orig = win.viewer.displayed(), win.frame_rgb
    inside = np.zeros(orig.shape[:2], bool)
    inside[30:70, 60:110] = True
    diff = np.abs(shown.astype(int) - orig.astype(int)).sum(axis=2)
    assert diff[inside].mean() > 10  # filled
    grown = np.zeros_like(inside)
    grown[24:76, 54:116] = True  # the engine's grown mask stays within a few pixels
    assert (diff[~grown] == 0).all()  # untouched outside
    # mask edits invalidate the cached results
    win.tools.add_shape("rect", [(5, 5), (20, 20)])
    assert win.preview.results == {} and win.timeline.filled == set()


def test_view_modes(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.tools.add_shape("rect", [(60, 30), (110, 70)])
    win.set_mode("mask")
    win.viewer.render_now()
    shown = win.viewer.displayed()
    assert shown[50, 80].tolist() == [255, 255, 255] and shown[5, 5].tolist() == [0, 0, 0]
    win.set_mode("original")
    assert np.array_equal(win.viewer.displayed(), win.frame_rgb)


def test_corrupt_file_shows_error_and_app_stays_usable(qtbot, win, tmp_path, clip_file):
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    with qtbot.waitSignal(win.presenter.shown, timeout=20000):
        win.open_path(bad)
    title, msg = win.presenter.history[-1]
    assert "broken.mp4" in msg
    assert win.presenter.last_dialog.isVisible()
    win.presenter.last_dialog.close()
    assert win.clip is None
    open_clip(qtbot, win, clip_file)
    assert win.clip.frame_count == 24


def test_unexpected_errors_show_a_dialog(qtbot, win):
    import sys

    from app.views.errors_ui import install_excepthook

    old = sys.excepthook
    try:
        install_excepthook(win.presenter)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
        title, msg = win.presenter.history[-1]
        assert title == "Unexpected error" and "RuntimeError: boom" in msg
    finally:
        sys.excepthook = old
        win.presenter.last_dialog.close()


def test_paint_layer_is_created_on_first_stroke(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    drag(win, [(40, 40), (50, 50)])
    assert any(isinstance(lay, PaintedLayer) for lay in win.masks.doc.layers)
    assert win.timeline.painted == {0}


@pytest.mark.shared
def test_shared_clip_opens(qtbot, win):
    from tests.shared import clip_path

    clip = open_clip(qtbot, win, clip_path("running_car"), timeout=120000)
    assert clip.frame_count == 292 and clip.size == (972, 540) and clip.has_audio
