"""Small things of the editing workflow, in the real window: Export with no video says why, the
export dialog remembers its folder, recent files of the same name show their folder, the title
never shows an autosave id."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from app.document.project_io import autosave_root
from app.document.recent import recent_labels
from app.main_window import MainWindow
from tests.app.conftest import open_clip, wait_job


def test_export_without_a_video_says_why(qtbot, win):
    win.activateWindow()
    QTest.keyClick(win, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)  # Export...
    qtbot.waitUntil(lambda: win.presenter.last_dialog is not None, timeout=3000)
    box = win.presenter.last_dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "Open a video first" in box.text()
    box.close()


def test_export_dialog_remembers_the_last_output_folder(qtbot, win, clip_file, tmp_path, settings):
    pytest.importorskip("inpaint_core.export.job", reason="the export pipeline is not part of this build")
    open_clip(qtbot, win, clip_file)
    dlg = win.exports.ask_export()
    assert dlg.path.text().startswith(str(clip_file.parent))  # first time: beside the source
    folder = tmp_path / "exports"
    folder.mkdir()
    win.tools.add_shape("rect", [(60, 30), (110, 70)])
    win.preview_bar.engine.setCurrentIndex(win.preview_bar.engine.findData("telea"))
    win.playback.set_in_out(0, 3)
    dlg.close()
    dlg = win.exports.ask_export()
    dlg.format.setCurrentIndex(dlg.format.findData("mkv"))
    dlg.path.setText(str(folder / "first.mkv"))
    QTest.mouseClick(dlg.export_btn, Qt.MouseButton.LeftButton)
    assert wait_job(qtbot, dlg.runner, 120000) == "ok", win.presenter.history
    dlg.close()
    again = win.exports.ask_export()
    assert again.path.text() == str(folder / "clip_vanish.mp4")
    again.close()
    # and in the next session
    assert settings.export_dir == str(folder)


def test_recent_files_of_the_same_name_show_their_folder(qtbot, settings, tmp_path):
    paths = []
    for sub in ("holiday/day1", "holiday/day2", "work"):
        d = tmp_path / sub
        d.mkdir(parents=True)
        name = "clip.mp4" if sub != "work" else "talk.mp4"
        (d / name).write_bytes(b"")
        paths.append(str(d / name))
    for p in reversed(paths):
        settings.add_recent(p)
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    menu = w.menus["recent"]
    menu.aboutToShow.emit()
    labels = [a.text() for a in menu.actions() if a.toolTip() in paths]
    assert labels == ["clip.mp4 \u2014 day1", "clip.mp4 \u2014 day2", "talk.mp4"]
    assert [b.text() for b in w.welcome.recent_buttons] == labels
    assert recent_labels(["/a/x/day1/c.mp4", "/b/y/day1/c.mp4"]) == ["c.mp4 \u2014 x/day1", "c.mp4 \u2014 y/day1"]
    w.close()


def test_a_recovered_session_never_shows_its_autosave_id(qtbot, win, clip_file, settings):
    open_clip(qtbot, win, clip_file)
    win.tools.add_shape("rect", [(60, 30), (110, 70)])
    assert wait_job(qtbot, win.projects.autosave()) == "ok"
    fresh = MainWindow(settings)  # as after a crash
    qtbot.addWidget(fresh)
    fresh.show()
    qtbot.waitUntil(lambda: fresh.projects.recovery_dialog is not None, timeout=5000)
    with qtbot.waitSignal(fresh.frameShown, timeout=30000):
        fresh.projects.recovery_dialog.buttons()[0].click()  # Recover
    qtbot.waitUntil(lambda: fresh.projects.recovered and fresh.clip is not None, timeout=5000)
    title = fresh.windowTitle()
    autosave_names = [p.name for p in autosave_root().iterdir()]
    assert autosave_names and all(n.startswith("clip-") and n not in title for n in autosave_names)
    assert "clip-" not in title
    assert title.startswith("clip.mp4 (recovered")
    assert not any(str(autosave_root()) in p for p in settings.recent())
    fresh.masks.undo_stack.setClean()
    fresh.projects.recovered = False
    fresh.close()
