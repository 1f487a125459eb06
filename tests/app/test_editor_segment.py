"""The segment tool: a box around the object masks it on this frame; tracking carries it."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from app.controllers.tools import TOOLS
from tests.app.conftest import open_clip, wait_job

pytestmark = pytest.mark.skipif("segment" not in TOOLS, reason="segmentation is not part of this build")


def make_object_clip(path, n=12, size=(160, 96)):
    """A grey noisy background with a red disc moving right 3 px per frame."""
    w, h = size
    rng = np.random.default_rng(3)
    bg = (110 + rng.integers(-12, 12, (h, w, 3))).astype(np.uint8)
    yy, xx = np.mgrid[0:h, 0:w]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=Fraction(12))
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"crf": "10", "preset": "ultrafast"}
        for i in range(n):
            img = bg.copy()
            disc = (xx - (40 + 3 * i)) ** 2 + (yy - 48) ** 2 <= 16**2
            img[disc] = (220, 30, 30)
            for pkt in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(pkt)
        for pkt in s.encode():
            c.mux(pkt)
    return path


def disc(i, size=(160, 96)):
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    return (xx - (40 + 3 * i)) ** 2 + (yy - 48) ** 2 <= 16**2


def iou(a, b):
    return (a & b).sum() / max(1, (a | b).sum())


def test_box_segments_object_then_track_forward(qtbot, win, tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "no-models"))  # GrabCut fallback
    clip = make_object_clip(tmp_path / "obj.mp4")
    open_clip(qtbot, win, clip)
    win.acts["tool_segment"].trigger()
    vp = win.viewer.viewport()
    pos = win.viewer.mapFromScene
    with qtbot.waitSignal(win.masks.changed, timeout=60000):  # a drag draws a box around the object
        QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(20, 28)))
        QTest.mouseMove(vp, pos(QPointF(40, 48)))
        QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos(QPointF(60, 68)))
    assert win.segment.box == pytest.approx((20, 28, 60, 68), abs=1.5)
    m0 = win.masks.doc.compose(0) > 0
    assert iou(m0, disc(0)) > 0.7, iou(m0, disc(0))
    assert "GrabCut" in win.status_label.text()
    win.acts["undo"].trigger()
    assert not win.masks.doc.compose(0).any()
    win.acts["redo"].trigger()
    runner = win.segment.track(True)
    assert runner is not None
    assert wait_job(qtbot, runner, timeout=120000) == "ok", win.presenter.history
    for i in (4, 8, 11):
        mi = win.masks.doc.compose(i) > 0
        assert iou(mi, disc(i)) > 0.5, (i, iou(mi, disc(i)))
    n = win.masks.undo_stack.count()
    win.acts["undo"].trigger()  # the whole track is one step
    assert not win.masks.doc.compose(8).any() and win.masks.doc.compose(0).any()
    assert win.masks.undo_stack.index() == n - 1
