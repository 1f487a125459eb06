"""Projects in the editor: save, reopen, autosave and crash recovery, drag and drop, recent files."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent

from app.main_window import MainWindow
from app.maskmodel import PaintedLayer, ShapeLayer
from app.project_io import pending_recoveries
from tests.app.conftest import open_clip


def paint_and_shape(win):
    win.masks.set_frame_mask(3, _disc(win.masks.doc.size, (50, 40), 12), "paint")
    win.set_in_out(2, 9)
    win.tools.add_shape("rect", [(100, 20), (150, 60)])


def _disc(size, c, r):
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    return np.where((xx - c[0]) ** 2 + (yy - c[1]) ** 2 <= r * r, 255, 0).astype(np.uint8)


def test_save_and_reopen_project(qtbot, win, clip_file, tmp_path, settings):
    open_clip(qtbot, win, clip_file)
    paint_and_shape(win)
    assert win.isWindowModified()
    target = tmp_path / "work.vanish"
    runner = win.save_project_as(target)
    qtbot.waitUntil(lambda: runner.outcome is not None, timeout=20000)
    assert runner.outcome == "ok"
    assert (target / "project.json").is_file()
    assert not win.isWindowModified() and "work" in win.windowTitle()
    expected = [win.masks.doc.compose(i) for i in range(24)]
    assert str(target) in settings.recent()
    other = MainWindow(settings)
    qtbot.addWidget(other)
    other.show()
    with qtbot.waitSignal(other.frameShown, timeout=30000):
        other.open_path(target)
    assert other.project is not None and other.project.folder == target
    kinds = sorted(type(lay).__name__ for lay in other.masks.doc.layers)
    assert kinds == ["PaintedLayer", "ShapeLayer"]
    for i in range(24):
        assert np.array_equal(other.masks.doc.compose(i), expected[i]), i
    other.close()


def test_autosave_and_recovery_after_a_crash(qtbot, win, clip_file, settings):
    open_clip(qtbot, win, clip_file)
    paint_and_shape(win)
    runner = win.autosave()
    assert runner is not None
    qtbot.waitUntil(lambda: runner.outcome is not None, timeout=20000)
    assert runner.outcome == "ok"
    expected = [win.masks.doc.compose(i) for i in range(24)]
    # a crash: the window disappears without closing; a new session finds the autosave
    assert len(pending_recoveries()) == 1
    fresh = MainWindow(settings)
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.waitUntil(lambda: getattr(fresh, "recovery_dialog", None) is not None, timeout=5000)
    box = fresh.recovery_dialog
    assert box.isVisible() and "clip.mp4" in box.text()
    with qtbot.waitSignal(fresh.frameShown, timeout=30000):
        box.buttons()[0].click()  # Recover
    assert fresh.isWindowModified()
    assert any(isinstance(lay, PaintedLayer) for lay in fresh.masks.doc.layers)
    assert any(isinstance(lay, ShapeLayer) for lay in fresh.masks.doc.layers)
    for i in range(24):
        assert np.array_equal(fresh.masks.doc.compose(i), expected[i]), i
    fresh.masks.undo_stack.setClean()
    fresh._recovered = False
    fresh.close()
    assert pending_recoveries() == []


def test_closing_with_unsaved_changes_keeps_them(qtbot, settings, clip_file):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    open_clip(qtbot, w, clip_file)
    paint_and_shape(w)
    w.close()
    assert len(pending_recoveries()) == 1


def test_drop_a_video_onto_the_window(qtbot, win, clip_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip_file))])
    ev = QDropEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                    Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(win.frameShown, timeout=30000):
        win.dropEvent(ev)
    assert win.clip.path == clip_file
