"""Fixtures for the editor tests: an isolated settings store, a synthetic clip, the real window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings

from app.main_window import MainWindow
from app.settings import EditorSettings
from tests.app.clips import make_clip


@pytest.fixture
def clip_file(tmp_path):
    return make_clip(tmp_path / "clip.mp4")


@pytest.fixture(autouse=True)
def _autosave_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_AUTOSAVE_DIR", str(tmp_path / "autosave"))


@pytest.fixture(autouse=True)
def _windows_close_at_teardown(qtbot):
    """A test may end with unsaved masks in a window; at teardown they are discarded so the window
    closes (instead of asking "Save changes?") and its threads stop."""
    yield
    from PySide6.QtWidgets import QApplication

    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow) and w.projects.has_unsaved():
            w.projects.discard_changes()
            w.close()


@pytest.fixture
def settings(tmp_path):
    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    s = EditorSettings(store)
    s.preview_long_side = 192
    return s


@pytest.fixture
def win(qtbot, settings):
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    if w.projects.has_unsaved():
        w.projects.discard_changes()
    w.close()


def open_clip(qtbot, win, path, timeout=30000):
    """Open ``path`` in the window and wait until its first frame is on screen."""
    with qtbot.waitSignal(win.frameShown, timeout=timeout):
        win.open_path(path)
    win.viewer.render_now()
    return win.clip


def seek(qtbot, win, i, timeout=10000):
    if win.current == i and win.frame_rgb is not None:
        return
    with qtbot.waitSignal(win.frameShown, timeout=timeout, check_params_cb=lambda k: k == i):
        win.seek(i)
    win.viewer.render_now()


def wait_job(qtbot, runner, timeout=30000):
    """Wait until a JobRunner has ended and all its signals were delivered; returns its outcome."""
    qtbot.waitUntil(lambda: runner.delivered, timeout=timeout)
    return runner.outcome
