"""Track shape in the real window: a rectangle drawn around a textured square that moves on a known
path follows it when Ctrl+Alt+Right is pressed; the track is one undo step and its keys are the
shape's."""

from __future__ import annotations

import av
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from inpaint_core.masks import ShapeLayer
from tests.app.conftest import open_clip, seek, wait_job
from tests.app.test_editor_shapes import drag

N, W, H, S = 20, 192, 108, 32


def _path(t: int) -> tuple[int, int]:
    """Top-left corner of the square on frame ``t``."""
    return 40 + 3 * t, 30 + t


def _clip(path):
    rng = np.random.default_rng(11)
    tex = rng.integers(0, 256, (S, S, 3), dtype=np.uint8)
    with av.open(str(path), "w") as c:
        vs = c.add_stream("libx264", rate=24)
        vs.width, vs.height, vs.pix_fmt = W, H, "yuv444p"
        vs.options = {"crf": "4", "preset": "ultrafast"}
        for t in range(N):
            img = np.full((H, W, 3), 110, np.uint8)
            x, y = _path(t)
            img[y : y + S, x : x + S] = tex
            for pkt in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in vs.encode():
            c.mux(pkt)
    return path


def _centroid(m):
    ys, xs = np.nonzero(m)
    return float(xs.mean()), float(ys.mean())


def test_track_shape_follows_a_moving_textured_square(qtbot, win, tmp_path):
    open_clip(qtbot, win, _clip(tmp_path / "square.mp4"))
    win.activateWindow()
    win.viewer.setFocus()
    QTest.keyClick(win.viewer, Qt.Key.Key_R)
    x, y = _path(0)
    drag(win, [(x, y), (x + S / 2, y + S / 2), (x + S, y + S)])
    lay = next(la for la in win.masks.doc.layers if isinstance(la, ShapeLayer))
    assert win.shape_editor.selected == lay.id
    steps = win.masks.undo_stack.count()
    before = [win.masks.doc.compose(i).copy() for i in range(N)]
    QTest.keyClick(win.viewer, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    runner = win.shape_tracker.runner
    assert runner is not None, "Ctrl+Alt+Right with a shape selected starts a shape track"
    assert wait_job(qtbot, runner) == "ok"
    assert sorted(lay.keys) == list(range(N))
    assert win.masks.undo_stack.count() == steps + 1  # the whole track is one step
    errors = []
    for t in range(N):
        tx, ty = _path(t)
        cx, cy = _centroid(win.masks.doc.compose(t))
        errors.append(float(np.hypot(cx - (tx + S / 2 - 0.5), cy - (ty + S / 2 - 0.5))))
    print(f"\nshape track centroid error per frame (px): max {max(errors):.2f}, mean {np.mean(errors):.2f}")
    assert max(errors) < 2.0
    assert min(win.timeline.confidence.get(t, 0) for t in range(N)) > 0.5  # the strip shows the track
    assert "Tracked the shape over 20 frames" in win.status_label.text()
    # undo gives the stationary rectangle back, bit for bit
    win.masks.undo_stack.undo()
    assert not lay.keys
    assert all(np.array_equal(win.masks.doc.compose(i), before[i]) for i in range(N))
    seek(qtbot, win, 0)


def test_track_without_a_selected_shape_does_not_start_a_shape_track(qtbot, win, tmp_path):
    open_clip(qtbot, win, _clip(tmp_path / "square.mp4"))
    win.activateWindow()
    win.viewer.setFocus()
    QTest.keyClick(win.viewer, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    assert win.shape_tracker.runner is None
    assert not win.masks.doc.layers
