"""Projects in the editor: save, reopen, autosave and crash recovery, drag and drop, recent files."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from app.document.project_io import pending_recoveries
from app.main_window import MainWindow
from inpaint_core.masks import PaintedLayer, ShapeLayer
from tests.app.conftest import open_clip, wait_job


def paint_and_shape(win):
    win.masks.set_frame_mask(3, _disc(win.masks.doc.size, (50, 40), 12), "paint")
    win.playback.set_in_out(2, 9)
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
    runner = win.projects.save_project_as(target)
    wait_job(qtbot, runner)
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
    assert other.projects.project is not None and other.projects.project.folder == target
    kinds = sorted(type(lay).__name__ for lay in other.masks.doc.layers)
    assert kinds == ["PaintedLayer", "ShapeLayer"]
    for i in range(24):
        assert np.array_equal(other.masks.doc.compose(i), expected[i]), i
    other.close()


def test_autosave_and_recovery_after_a_crash(qtbot, win, clip_file, settings):
    open_clip(qtbot, win, clip_file)
    paint_and_shape(win)
    runner = win.projects.autosave()
    assert runner is not None
    wait_job(qtbot, runner)
    assert runner.outcome == "ok"
    expected = [win.masks.doc.compose(i) for i in range(24)]
    # a crash: the window disappears without closing; a new session finds the autosave
    assert len(pending_recoveries()) == 1
    fresh = MainWindow(settings)
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.waitUntil(lambda: fresh.projects.recovery_dialog is not None, timeout=5000)
    box = fresh.projects.recovery_dialog
    assert box.isVisible() and "clip.mp4" in box.text()
    with qtbot.waitSignal(fresh.frameShown, timeout=30000):
        box.buttons()[0].click()  # Recover
    assert fresh.isWindowModified()
    assert any(isinstance(lay, PaintedLayer) for lay in fresh.masks.doc.layers)
    assert any(isinstance(lay, ShapeLayer) for lay in fresh.masks.doc.layers)
    for i in range(24):
        assert np.array_equal(fresh.masks.doc.compose(i), expected[i]), i
    fresh.masks.undo_stack.setClean()
    fresh.projects.recovered = False
    fresh.close()
    assert pending_recoveries() == []


def test_closing_with_unsaved_changes_asks_first(qtbot, settings, clip_file):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    open_clip(qtbot, w, clip_file)
    paint_and_shape(w)
    w.close()
    assert w.isVisible() and w.projects.unsaved_dialog is not None and w.projects.unsaved_dialog.isVisible()
    w.projects.unsaved_dialog.button(QMessageBox.StandardButton.Cancel).click()
    assert w.isVisible() and len(w.masks.doc.layers) == 2


def test_drop_a_video_onto_the_window(qtbot, win, clip_file):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(clip_file))])
    ev = QDropEvent(QPoint(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                    Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(win.frameShown, timeout=30000):
        win.dropEvent(ev)
    assert win.clip.path == clip_file


def test_import_and_export_mask_sequences(qtbot, win, clip_file, tmp_path):
    import cv2

    from inpaint_core.masks import read_mask_image

    open_clip(qtbot, win, clip_file)
    # one image (drawn at another size, resized with nearest neighbour): a stationary layer
    big = np.zeros((216, 384), np.uint8)
    big[40:100, 200:300] = 255
    cv2.imwrite(str(tmp_path / "logo.png"), big)
    r = win.mask_files.import_masks(tmp_path / "logo.png")
    wait_job(qtbot, r)
    assert r.outcome == "ok", win.presenter.history
    lay = win.masks.doc.layers[-1]
    assert isinstance(lay, ShapeLayer) and (lay.start, lay.stop) == (0, None)
    assert (win.masks.doc.compose(17) > 0).sum() == 30 * 50
    # a per-frame folder: a painted layer
    seq = tmp_path / "seq"
    seq.mkdir()
    for i in range(24):
        m = np.zeros((108, 192), np.uint8)
        m[10 + i : 20 + i, 5:15] = 200  # luminance >= 128 counts as masked
        cv2.imwrite(str(seq / f"{i:05d}.png"), m)
    r = win.mask_files.import_masks(seq)
    wait_job(qtbot, r)
    assert isinstance(win.masks.doc.layers[-1], PaintedLayer)
    assert win.masks.doc.compose(5)[17, 10] == 255 and win.masks.doc.compose(5)[12, 10] == 0
    win.acts["undo"].trigger()
    assert win.masks.doc.compose(5)[17, 10] == 0
    win.acts["redo"].trigger()
    # export: every frame's composed mask
    out = tmp_path / "out"
    r = win.mask_files.export_masks(out)
    wait_job(qtbot, r)
    files = sorted(out.glob("*.png"))
    assert len(files) == 24
    for i in (0, 11, 23):
        assert np.array_equal(read_mask_image(files[i]), win.masks.doc.compose(i))


def test_bad_mask_folder_shows_error(qtbot, win, clip_file, tmp_path):
    open_clip(qtbot, win, clip_file)
    empty = tmp_path / "empty"
    empty.mkdir()
    with qtbot.waitSignal(win.presenter.shown, timeout=20000):
        win.mask_files.import_masks(empty)
    assert "holds no images" in win.presenter.history[-1][1]
    win.presenter.last_dialog.close()
