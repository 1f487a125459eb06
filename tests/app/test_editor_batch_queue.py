"""File > Add to batch job file...: the editor saves the project and appends it to a TOML job file
that ``vanish batch`` reads; without a saved project it says to save first."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QApplication, QMessageBox

from inpaint_core.batch import parse_jobs
from tests.app.conftest import open_clip, wait_job


def _menu_action(win, text):
    file_menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&File")
    return next(a for a in file_menu.actions() if a.text() == text)


def test_queue_the_project_for_a_batch(qtbot, win, clip_file, tmp_path, monkeypatch):
    open_clip(qtbot, win, clip_file)
    act = _menu_action(win, "Add to &batch job file...")
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a: told.append(a[2]))
    act.trigger()  # not saved yet: nothing is queued, the user is told to save first
    assert told and "Save the project first" in told[0]
    m = np.zeros(win.masks.doc.size[::-1], np.uint8)
    m[10:30, 20:60] = 255
    win.masks.set_frame_mask(2, m, "paint")
    wait_job(qtbot, win.projects.save_project_as(tmp_path / "shot.vanish"))
    win.masks.set_frame_mask(4, m, "paint")  # an unsaved change: queueing saves it first
    assert win.isWindowModified()
    act.trigger()
    dlg = win.batch.queue_dialog
    assert dlg.isVisible()
    jf = tmp_path / "jobs.toml"
    dlg.selectFile(str(jf))
    dlg.accept()
    qtbot.waitUntil(lambda: jf.is_file(), timeout=30000)
    QApplication.processEvents()
    (job,) = parse_jobs(jf)
    assert job.project == (tmp_path / "shot.vanish").resolve() and job.output == (tmp_path / "shot_clean.mp4").resolve()
    assert not win.isWindowModified()
    assert "Queued shot.vanish in jobs.toml" in win.status_label.text()
