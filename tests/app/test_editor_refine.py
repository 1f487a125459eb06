"""Mask refinement in the real window, driven by mouse drags and key presses: subtract with a shape
and with the eraser, the add/subtract toggle key, per-layer feather through the layers panel (the
composed alpha and the viewer's overlay change), expansion and smoothing controls, layer colours."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from inpaint_core.masks import PaintedLayer, ShapeLayer
from tests.app.conftest import open_clip, seek
from tests.app.test_editor_window import drag

NoMod = Qt.KeyboardModifier.NoModifier


def _key(win, key):
    win.activateWindow()
    win.viewer.setFocus()
    QTest.keyClick(win.viewer, key, NoMod)


def _area(win, i=0):
    return int((win.masks.doc.compose(i) > 0).sum())


def test_subtract_mode_shape_cuts_layers_below(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    _key(win, Qt.Key.Key_R)
    assert win.tools.tool == "rect"
    drag(win, [(20, 20), (60, 50), (100, 80)])  # 80 x 60
    full = _area(win)
    assert abs(full - 80 * 60) <= 2 * (80 + 60)
    _key(win, Qt.Key.Key_X)  # subtract mode on
    assert win.acts["subtract_mode"].isChecked() and win.masks.draw_mode == "subtract"
    drag(win, [(60, 10), (80, 50), (120, 90)])  # cuts the right half (x 60..100)
    cut = win.masks.doc.layers[-1]
    assert isinstance(cut, ShapeLayer) and cut.mode == "subtract" and cut.name.startswith("Cut")
    m = win.masks.doc.compose(0)
    print(f"\nrectangle area {full}, after the cutting rectangle {_area(win)}")
    assert abs(_area(win) - 40 * 60) <= 2 * (40 + 60)
    assert m[50, 40] == 255 and m[50, 80] == 0 and m[50, 110] == 0  # nothing added where only the cut is
    _key(win, Qt.Key.Key_X)  # back to add: a new rectangle adds, above the cut
    assert win.masks.draw_mode == "add"
    # start outside every shape: a press inside one selects it (the shape tools' edit rule)
    drag(win, [(90, 95), (80, 80), (70, 60)])
    assert win.masks.doc.compose(0)[70, 80] == 255
    win.acts["undo"].trigger()
    win.acts["undo"].trigger()
    assert abs(_area(win) - full) <= 2  # undoing the cut brings the whole rectangle back


def test_eraser_cuts_a_shape_in_one_undo_step(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    _key(win, Qt.Key.Key_R)
    drag(win, [(20, 20), (60, 50), (100, 80)])
    shape = win.masks.doc.layers[-1]
    full = _area(win)
    steps = win.masks.undo_stack.count()
    win.tool_options.size.setValue(8)
    win.tool_options.hardness.setValue(100)
    _key(win, Qt.Key.Key_E)
    assert win.tools.tool == "eraser"
    drag(win, [(60, 10), (60, 50), (60, 90)])  # a vertical cut through the shape
    m = win.masks.doc.compose(0)
    after = _area(win)
    print(f"\nshape area {full}, after an eraser stroke {after}")
    assert m[50, 60] == 0 and m[50, 30] == 255 and m[50, 95] == 255
    assert 8 * 60 <= full - after <= 18 * 62
    assert win.masks.undo_stack.count() == steps + 1  # one step: the cut layer and its stroke
    layers = win.masks.doc.layers
    assert [type(lay).__name__ for lay in layers] == ["ShapeLayer", "PaintedLayer"]
    assert layers[1].mode == "subtract" and win.masks.active_id == shape.id
    assert win.layers.list.count() == 2  # the panel shows the cut layer
    # the cut is painted on this frame only; a second stroke uses the same cut layer
    assert _area(win, 1) == full
    drag(win, [(30, 10), (30, 90)])
    assert len(win.masks.doc.layers) == 2 and _area(win) < after
    win.acts["undo"].trigger()
    assert _area(win) == after
    win.acts["undo"].trigger()
    assert _area(win) == full and len(win.masks.doc.layers) == 1
    win.acts["redo"].trigger()
    assert _area(win) == after and len(win.masks.doc.layers) == 2
    # an eraser stroke beside the shape cuts nothing of it (one step, the area stays)
    win.acts["undo"].trigger()
    steps = win.masks.undo_stack.index()
    drag(win, [(150, 95), (150, 96)])
    assert win.masks.undo_stack.index() == steps + 1 and _area(win) == full


def test_eraser_on_paint_still_erases_and_nothing_to_erase_takes_no_step(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.tool_options.size.setValue(8)
    win.tool_options.hardness.setValue(100)
    _key(win, Qt.Key.Key_E)
    before = win.masks.undo_stack.count()
    drag(win, [(90, 30), (90, 70)])  # no layer at all: nothing to erase
    assert win.masks.undo_stack.count() == before and win.masks.doc.layers == []
    _key(win, Qt.Key.Key_B)
    drag(win, [(30, 50), (150, 50)])
    _key(win, Qt.Key.Key_E)
    drag(win, [(90, 30), (90, 70)])
    m = win.masks.doc.compose(0)
    assert m[50, 90] == 0 and m[50, 40] == 255
    assert all(isinstance(lay, PaintedLayer) and lay.mode == "add" for lay in win.masks.doc.layers)
    before = win.masks.undo_stack.count()
    drag(win, [(90, 90), (120, 95)])  # erasing where nothing is painted changes nothing: no step
    assert win.masks.undo_stack.count() == before and np.array_equal(win.masks.doc.compose(0), m)
    # the brush in subtract mode paints a cut
    _key(win, Qt.Key.Key_B)
    _key(win, Qt.Key.Key_X)
    drag(win, [(50, 30), (50, 70)])
    assert win.masks.doc.compose(0)[50, 50] == 0 and win.masks.doc.layers[-1].mode == "subtract"


def test_layer_feather_from_the_panel_changes_the_composed_alpha(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    _key(win, Qt.Key.Key_R)
    drag(win, [(40, 30), (80, 50), (120, 70)])
    hard = win.masks.doc.stack.compose_alpha(0).copy()
    assert set(np.unique(hard)) == {0, 255}
    spin = win.layers.feather
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, "6")
    QTest.keyClick(spin, Qt.Key.Key_Return)
    lay = win.masks.doc.layers[0]
    assert lay.feather == 6.0
    soft = win.masks.doc.stack.compose_alpha(0)
    ramp = soft[50, 120:128].tolist()
    print("\nfeathered alpha right of the rectangle:", ramp)
    assert 0 < ramp[2] < 255 and ramp == sorted(ramp, reverse=True) and ramp[-1] == 0
    assert (soft[31:69, 41:119] == 255).all()
    # the viewer shows it at once (live preview of the refinement)
    win.viewer.render_now()
    assert np.array_equal(win.viewer.coverage, soft)
    # the hole the preview/export fills covers the soft edge
    assert (win.masks.doc.compose(0) > 0).sum() == (soft > 0).sum()
    win.acts["undo"].trigger()
    assert np.array_equal(win.masks.doc.stack.compose_alpha(0), hard)


def test_expansion_smoothing_and_mode_controls(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    _key(win, Qt.Key.Key_R)
    drag(win, [(40, 30), (80, 50), (120, 70)])
    full = _area(win)
    win.layers.expansion.setValue(-3)  # shrink
    assert _area(win) < full - 2 * 3 * (80 + 40) + 40
    win.layers.smooth.setValue(2)
    assert win.masks.doc.layers[0].smooth == 2
    win.layers.mode.setCurrentIndex(win.layers.mode.findData("subtract"))
    assert win.masks.doc.layers[0].mode == "subtract" and _area(win) == 0  # nothing below to cut
    assert "subtracting" in win.layers.list.item(0).toolTip()


def test_each_layer_has_its_own_colour_in_panel_and_overlay(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    _key(win, Qt.Key.Key_R)
    boxes = [((10, 10), (40, 40)), ((60, 10), (90, 40)), ((110, 10), (140, 40))]
    for a, b in boxes:
        drag(win, [a, b])
    seek(qtbot, win, 0)
    win.viewer.render_now()
    rgb = win.viewer.coverage_rgb
    colours = [tuple(int(v) for v in rgb[25, (a[0] + b[0]) // 2]) for a, b in boxes]
    print("\noverlay colours:", colours)
    assert len(set(colours)) == 3 and all(any(c) for c in colours)
    icons = {win.layers.list.item(k).icon().pixmap(8, 8).toImage().pixelColor(4, 4).rgb()
             for k in range(win.layers.list.count())}
    assert len(icons) == 3
    from app.views.render import layer_color

    assert colours == [layer_color(lay.color) for lay in win.masks.doc.layers]
