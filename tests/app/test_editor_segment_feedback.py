"""What the segment tool tells the user, in the real window: prompt markers on their own frame, a
warning for an implausible mask, tracked masks appearing frame by frame with a cancel button and
a confidence strip on the timeline, and no stale status item afterwards."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtTest import QTest

from app.controllers.tools import TOOLS
from inpaint_core.segment.prompt_check import check_prompt_mask
from tests.app.conftest import open_clip, seek, wait_job
from tests.app.test_editor_segment import disc, iou, make_object_clip

pytestmark = pytest.mark.skipif("segment" not in TOOLS, reason="segmentation is not part of this build")
NoMod = Qt.KeyboardModifier.NoModifier


@pytest.fixture
def no_models(tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "no-models"))  # the GrabCut fallback


def _box(win, x0, y0, x1, y1):
    vp = win.viewer.viewport()
    pos = win.viewer.mapFromScene
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, NoMod, pos(QPointF(x0, y0)))
    QTest.mouseMove(vp, pos(QPointF((x0 + x1) / 2, (y0 + y1) / 2)))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, NoMod, pos(QPointF(x1, y1)))


def _segmented(qtbot, win):
    qtbot.waitUntil(lambda: win.status_label.text() not in ("", "Segmenting..."), timeout=60000)


def test_prompt_markers_show_on_their_own_frame_only(qtbot, win, tmp_path, no_models):
    open_clip(qtbot, win, make_object_clip(tmp_path / "obj.mp4"))
    win.acts["tool_segment"].trigger()
    vp = win.viewer.viewport()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, NoMod, win.viewer.mapFromScene(QPointF(40, 48)))
    _segmented(qtbot, win)
    markers = win.segment._markers
    assert len(markers) == 1 and markers[0].isVisible()
    seek(qtbot, win, 5)
    assert not markers[0].isVisible()  # frame 5 has no prompt
    seek(qtbot, win, 0)
    assert markers[0].isVisible()


def test_a_box_that_finds_almost_nothing_gives_a_warning(qtbot, win, tmp_path, no_models):
    open_clip(qtbot, win, make_object_clip(tmp_path / "obj.mp4"))
    win.acts["tool_segment"].trigger()
    _box(win, 30, 38, 50, 58)  # tightly inside the disc: GrabCut finds (almost) nothing
    _segmented(qtbot, win)
    assert win.status_label.text().startswith("Check the mask: only"), win.status_label.text()
    assert "box" in win.segment.warning
    # a box around the whole disc is plausible: no warning
    _box(win, 20, 28, 60, 68)
    qtbot.waitUntil(lambda: "pixels, score" in win.status_label.text(), timeout=60000)
    assert win.segment.warning == ""


def test_the_prompt_check_itself():
    m = np.zeros((360, 640), np.uint8)
    assert "only 0 pixels" in check_prompt_mask(m, (100, 100, 200, 200))
    m[120:180, 120:180] = 255
    assert check_prompt_mask(m, (100, 100, 200, 200)) is None
    assert check_prompt_mask(m) is None
    m[:] = 0
    m[10:13, 10:12] = 255  # 6 pixels from a click
    assert "only 6 pixels" in check_prompt_mask(m)
    m[:300] = 255  # 83 % of the frame
    assert "83 % of the frame" in check_prompt_mask(m)


def _segment_disc(qtbot, win):
    win.acts["tool_segment"].trigger()
    with qtbot.waitSignal(win.masks.changed, timeout=60000):
        _box(win, 20, 28, 60, 68)
    assert iou(win.masks.doc.compose(0) > 0, disc(0)) > 0.7


def test_tracked_masks_appear_frame_by_frame_with_a_confidence_strip(qtbot, win, tmp_path, no_models):
    open_clip(qtbot, win, make_object_clip(tmp_path / "obj.mp4"))
    _segment_disc(qtbot, win)
    seen = []

    def shown(i):
        if win.segment.runner is not None and i > 0:
            m = win.viewer.mask
            seen.append((i, iou(m > 0, disc(i)) if m is not None else 0.0, bool(win.masks.doc.compose(i).any())))

    win.frameShown.connect(shown)
    win.activateWindow()
    win.viewer.setFocus()
    QTest.keyClick(win.viewer, Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)
    runner = win.segment.runner
    assert runner is not None  # Ctrl+Alt+Right started the forward track
    qtbot.waitUntil(lambda: win.job_status.isVisible() and win.job_status.cancel_btn.isVisible(), timeout=30000)
    assert "Tracking" in win.job_status.label.text()
    assert wait_job(qtbot, runner, 120000) == "ok"
    # while it ran, the playhead followed the track and each frame showed its tracked mask before
    # the track was committed to the document
    live = [(i, q) for i, q, committed in seen if not committed]
    assert len(live) >= 3, seen
    assert all(q > 0.5 for _, q in live), live
    assert sorted({i for i, _ in live}) == sorted(i for i, _ in live)  # forward, frame after frame
    # committed at the end: one undo step
    assert all(win.masks.doc.compose(i).any() for i in range(12))
    # the confidence strip covers the tracked frames; the key frame is sure
    conf = win.timeline.confidence
    assert set(conf) == set(range(12)) and conf[0] == 1.0 and all(0.0 <= c <= 1.0 for c in conf.values())
    assert not win.job_status.isVisible()  # no "Tracking 100 %" left behind
    assert win.status_label.text().startswith("Tracked 12 frames")
    # undoing the track removes its confidence too
    win.acts["undo"].trigger()
    assert set(win.timeline.confidence) == {0}


def test_cancel_button_stops_a_track_and_keeps_what_it_made(qtbot, win, tmp_path, no_models):
    open_clip(qtbot, win, make_object_clip(tmp_path / "obj.mp4", n=40))
    _segment_disc(qtbot, win)
    n_steps = win.masks.undo_stack.count()
    runner = win.segment.track(True)
    events = []

    def on_event(ev):
        events.append(ev.index)
        if len(events) == 4:  # a few frames in: the user presses the status bar's cancel button
            QTimer.singleShot(0, lambda: QTest.mouseClick(win.job_status.cancel_btn, Qt.MouseButton.LeftButton))

    runner.event.connect(on_event)
    assert wait_job(qtbot, runner, 120000) == "cancelled"
    made = [i for i in range(40) if win.masks.doc.compose(i).any()]
    assert 4 <= len(made) < 40 and made == list(range(len(made))), made
    assert win.masks.undo_stack.count() == n_steps + 1  # the part made is one undo step
    assert "(stopped)" in win.status_label.text()
    assert not win.job_status.isVisible()
    assert win.segment.live == {}
