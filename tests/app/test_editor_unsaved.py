"""Never lose work: "Save changes?" before opening another file, a new project or quitting; save
after crash recovery asks where; a clean quit is no crash; a killed editor's work is recovered.

Driven as a person would: shortcuts pressed with QTest, dialogs answered by clicking their buttons
or choosing a file in them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from app.document import project_io
from app.main_window import MainWindow
from tests.app.clips import make_clip
from tests.app.conftest import open_clip, wait_job

_B = QMessageBox.StandardButton
ROOT = Path(__file__).resolve().parents[2]


def _mark(win):
    win.masks.set_frame_mask(3, _box(win.masks.doc.size, 40, 30, 60, 50), "paint")
    win.tools.add_shape("rect", [(100, 20), (150, 60)])


def _box(size, x0, y0, x1, y1):
    m = np.zeros((size[1], size[0]), np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


def _key(win, key):
    win.activateWindow()
    QTest.qWait(50)
    QTest.keyClick(win, key, Qt.KeyboardModifier.ControlModifier)


def _answer(qtbot, win, button):
    qtbot.waitUntil(lambda: win.projects.unsaved_dialog is not None and win.projects.unsaved_dialog.isVisible(), timeout=5000)
    box = win.projects.unsaved_dialog
    win.projects.unsaved_dialog = None
    assert "unsaved changes" in box.text()
    QTest.mouseClick(box.button(button), Qt.MouseButton.LeftButton)


def _choose_file(qtbot, dlg_holder, path):
    qtbot.waitUntil(lambda: dlg_holder() is not None and dlg_holder().isVisible(), timeout=5000)
    dlg = dlg_holder()
    dlg.selectFile(str(path))
    dlg.accept()


def _open_via_ctrl_o(qtbot, win, path):
    win.open_dialog = None
    _key(win, Qt.Key.Key_O)
    _choose_file(qtbot, lambda: getattr(win, "open_dialog", None), path)


def test_open_another_file_asks_cancel_discard_save(qtbot, win, clip_file, tmp_path):
    open_clip(qtbot, win, clip_file)
    _mark(win)
    expected = [win.masks.doc.compose(i) for i in range(24)]
    other = make_clip(tmp_path / "other.mp4", frames=12)
    # Cancel: nothing changes
    _open_via_ctrl_o(qtbot, win, other)
    _answer(qtbot, win, _B.Cancel)
    qtbot.wait(300)
    assert win.clip.path == clip_file and win.isWindowModified()
    assert all(np.array_equal(win.masks.doc.compose(i), expected[i]) for i in range(24))
    # Save: asks where (no project yet), saves, then opens the other file
    _open_via_ctrl_o(qtbot, win, other)
    _answer(qtbot, win, _B.Save)
    target = tmp_path / "kept.vanish"
    with qtbot.waitSignal(win.frameShown, timeout=30000):
        _choose_file(qtbot, lambda: win.projects.save_dialog, target)
    assert win.clip.path == other and not win.isWindowModified()
    saved = project_io.Project.load(target)
    assert all(np.array_equal(saved.layers.compose(i), expected[i]) for i in range(24))
    # Discard: the other file's masks are dropped and the first file opens
    _mark(win)
    _open_via_ctrl_o(qtbot, win, clip_file)
    with qtbot.waitSignal(win.frameShown, timeout=30000):
        _answer(qtbot, win, _B.Discard)
    assert win.clip.path == clip_file and win.masks.doc.layers == []
    assert project_io.pending_recoveries() == []


def test_new_project_asks_first(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    _mark(win)
    _key(win, Qt.Key.Key_N)
    _answer(qtbot, win, _B.Cancel)
    assert len(win.masks.doc.layers) == 2 and win.isWindowModified()
    _key(win, Qt.Key.Key_N)
    _answer(qtbot, win, _B.Discard)
    qtbot.waitUntil(lambda: getattr(win, "open_dialog", None) is not None and win.open_dialog.isVisible())
    win.open_dialog.reject()
    assert not win.isWindowModified()


def test_quit_with_unsaved_work_asks_and_a_clean_quit_is_no_crash(qtbot, settings, clip_file):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    open_clip(qtbot, w, clip_file)
    _mark(w)
    assert wait_job(qtbot, w.projects.autosave()) == "ok"
    assert len(project_io.pending_recoveries()) == 1
    _key(w, Qt.Key.Key_Q)
    _answer(qtbot, w, _B.Cancel)
    assert w.isVisible() and len(w.masks.doc.layers) == 2
    assert len(project_io.pending_recoveries()) == 1  # the autosave is still there
    _key(w, Qt.Key.Key_Q)
    _answer(qtbot, w, _B.Discard)
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=10000)
    assert project_io.pending_recoveries() == []
    fresh = MainWindow(settings)
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.wait(300)
    assert fresh.projects.recovery_dialog is None
    fresh.close()


def test_quit_and_save_saves_then_closes(qtbot, settings, clip_file, tmp_path):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    open_clip(qtbot, w, clip_file)
    _mark(w)
    _key(w, Qt.Key.Key_Q)
    _answer(qtbot, w, _B.Save)
    _choose_file(qtbot, lambda: w.projects.save_dialog, tmp_path / "q.vanish")
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=20000)
    assert len(project_io.Project.load(tmp_path / "q.vanish").layers) == 2
    assert project_io.pending_recoveries() == []


def test_save_after_recovery_asks_where_and_never_uses_the_autosave(qtbot, win, clip_file, settings,
                                                                    tmp_path):
    open_clip(qtbot, win, clip_file)
    _mark(win)
    assert wait_job(qtbot, win.projects.autosave()) == "ok"
    (folder, _note), = project_io.pending_recoveries()
    fresh = MainWindow(settings)  # the first window "crashed": it never closed
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.waitUntil(lambda: fresh.projects.recovery_dialog is not None, timeout=5000)
    with qtbot.waitSignal(fresh.frameShown, timeout=30000):
        fresh.projects.recovery_dialog.buttons()[0].click()  # Recover
    assert fresh.projects.project is None and fresh.isWindowModified()
    _key(fresh, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: fresh.projects.save_dialog is not None and fresh.projects.save_dialog.isVisible(), timeout=5000)
    assert (folder / "project.json").is_file()  # nothing saved or removed yet
    # choosing the autosave folder itself is refused with a message; the autosave stays
    with qtbot.waitSignal(fresh.presenter.shown, timeout=5000):
        _choose_file(qtbot, lambda: fresh.projects.save_dialog, folder.parent / "mine.vanish")
    assert "autosave folder" in fresh.presenter.history[-1][1]
    fresh.presenter.last_dialog.close()
    assert (folder / "project.json").is_file()
    fresh.projects.save_dialog = None
    _key(fresh, Qt.Key.Key_S)
    target = tmp_path / "recovered.vanish"
    _choose_file(qtbot, lambda: fresh.projects.save_dialog, target)
    qtbot.waitUntil(lambda: not fresh.isWindowModified(), timeout=20000)
    assert fresh.projects.project.folder == target
    assert not folder.exists()  # saved elsewhere, so the autosave went
    assert len(project_io.Project.load(target).layers) == 2
    fresh.close()
    win.projects.discard_changes()


@pytest.mark.slow
def test_killed_editor_work_is_recovered_saved_and_reopened(qtbot, settings, tmp_path):
    clip = make_clip(tmp_path / "clip.mp4")
    expected_file = tmp_path / "expected.npy"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", VANISH_AUTOSAVE_MS="300",
               VANISH_AUTOSAVE_DIR=os.environ["VANISH_AUTOSAVE_DIR"])
    child = subprocess.Popen([sys.executable, "-m", "tests.app.crash_child", str(clip),
                              str(tmp_path / "child.ini"), str(expected_file)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.startswith("READY"), child.stderr.read() if child.poll() is not None else line
    finally:
        child.kill()  # SIGKILL: no close event, no cleanup
        child.wait(30)
    assert child.returncode == -9
    assert line.split() == ["READY", "3"]
    expected = np.load(expected_file)
    fresh = MainWindow(settings)
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.waitUntil(lambda: fresh.projects.recovery_dialog is not None, timeout=5000)
    assert "clip.mp4" in fresh.projects.recovery_dialog.text()
    with qtbot.waitSignal(fresh.frameShown, timeout=30000):
        QTest.mouseClick(fresh.projects.recovery_dialog.buttons()[0], Qt.MouseButton.LeftButton)  # Recover
    _key(fresh, Qt.Key.Key_S)
    target = tmp_path / "after-crash.vanish"
    _choose_file(qtbot, lambda: fresh.projects.save_dialog, target)
    qtbot.waitUntil(lambda: not fresh.isWindowModified(), timeout=20000)
    fresh.close()
    again = MainWindow(settings)
    qtbot.addWidget(again)
    again.show()
    with qtbot.waitSignal(again.frameShown, timeout=30000):
        again.open_path(target)
    assert len(again.masks.doc.layers) == 3
    for i in range(expected.shape[0]):
        assert np.array_equal(again.masks.doc.compose(i), expected[i]), i
    again.close()


def test_moving_the_in_out_marks_is_an_unsaved_edit(qtbot, settings, clip_file, tmp_path):
    """The project keeps its in/out range: moving a mark (the I key) marks the window modified,
    quitting asks, Save stores the range, and the reopened project has it; a clean quit after that
    saves nothing and asks nothing."""
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    open_clip(qtbot, w, clip_file)
    _mark(w)
    assert wait_job(qtbot, w.projects.save_project_as(tmp_path / "r.vanish")) == "ok"
    assert not w.projects.has_unsaved() and not w.isWindowModified()
    w.seek(5)
    qtbot.waitUntil(lambda: w.current == 5, timeout=5000)
    w.viewer.setFocus()
    QTest.keyClick(w.viewer, Qt.Key.Key_I)
    assert w.shape_range()[0] == 5
    assert w.projects.has_unsaved() and w.isWindowModified()
    _key(w, Qt.Key.Key_Q)
    _answer(qtbot, w, _B.Save)  # the open project: saved in place, then the window closes
    qtbot.waitUntil(lambda: not w.isVisible(), timeout=20000)
    saved = project_io.Project.load(tmp_path / "r.vanish")
    assert saved.settings.export.get("start") == 5
    assert project_io.pending_recoveries() == []
