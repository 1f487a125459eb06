"""First run in the editor: the welcome screen (Open a video / Open recent / Try the demo), the
shortcuts sheet (Help menu and ``?``), tooltips naming shortcuts, [ and ] for the brush size, and
``--version`` -- driven by clicks and key presses on the real window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QMessageBox, QToolButton

from app.main import main as editor_main
from inpaint_core import __version__
from inpaint_core.demo_project import BALL_LAYER, LOGO_LAYER


@pytest.fixture(autouse=True)
def _demo_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_DEMO_DIR", str(tmp_path / "demo"))


def test_welcome_screen_covers_the_viewer_until_the_demo_opens(qtbot, win, tmp_path):
    w = win.welcome
    assert w.isVisible() and w.geometry() == win.viewer.rect()
    assert [b.text() for b in (w.open_btn, w.demo_btn)] == ["Open a video...", "Try the demo"]
    with qtbot.waitSignal(win.frameShown, timeout=60000):
        qtbot.mouseClick(w.demo_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.projects.project is not None, timeout=10000)
    assert not w.isVisible()
    assert sorted(layer.name for layer in win.masks.doc.layers) == sorted([BALL_LAYER, LOGO_LAYER])
    assert win.clip.path == tmp_path / "demo" / "demo_clip.mp4"
    assert win.masks.doc.compose(0).any()
    assert str(win.projects.project.folder) in win.settings.recent()


def test_open_recent_on_the_welcome_screen_opens_it(qtbot, settings, clip_file):
    from app.main_window import MainWindow

    settings.add_recent(str(clip_file.with_name("gone.mp4")))
    settings.add_recent(str(clip_file))
    w = MainWindow(settings)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    buttons = w.welcome.recent_buttons
    assert [b.text() for b in buttons] == [clip_file.name, "gone.mp4 (not found)"]
    assert buttons[0].toolTip() == str(clip_file) and not buttons[1].isEnabled()
    with qtbot.waitSignal(w.clipOpened, timeout=30000):
        qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert w.clip.path == clip_file and not w.welcome.isVisible()
    w.close()


def test_open_a_video_shows_the_file_dialog(qtbot, win):
    assert "nothing yet" in win.welcome.recent_buttons[0].text().lower()  # a fresh settings store
    qtbot.mouseClick(win.welcome.open_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(d.isVisible() for d in win.findChildren(QFileDialog)), timeout=5000)
    dlg = next(d for d in win.findChildren(QFileDialog) if d.isVisible())
    assert dlg.fileMode() == QFileDialog.FileMode.ExistingFile
    dlg.reject()


def _sheet(win):
    return getattr(win, "shortcuts_sheet", None)


def test_question_mark_opens_the_shortcuts_sheet(qtbot, win):
    win.activateWindow()
    qtbot.keyClick(win, Qt.Key.Key_Question, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: _sheet(win) is not None and _sheet(win).isVisible(), timeout=3000)
    text = _sheet(win).text()
    for what, keys in (("Preview", "Ctrl+P"), ("Brush", "B"), ("Play / pause", "Space"), ("Set in point", "I"),
                       ("Smaller brush", "["), ("Result", "2"), ("Export", "Ctrl+E")):
        assert what in text and keys in text
    # every bound shortcut of the tools and view modes is on the sheet with its key
    rows = dict(r for _, rs in _sheet(win).rows for r in rs)
    for k, a in win.acts.items():
        if k.startswith(("tool_", "mode_")) and a.isVisible():
            assert a.shortcut().toString() in rows.values()
    close = _sheet(win).findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Close)
    qtbot.mouseClick(close, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not _sheet(win).isVisible(), timeout=3000)


def test_help_menu_opens_the_shortcuts_sheet(qtbot, win):
    bar = win.menuBar()
    help_menu = win.menus["help"]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(help_menu.menuAction()).center())
    qtbot.waitUntil(help_menu.isVisible, timeout=3000)
    act = win.acts["shortcuts"]
    qtbot.mouseClick(help_menu, Qt.MouseButton.LeftButton, pos=help_menu.actionGeometry(act).center())
    qtbot.waitUntil(lambda: _sheet(win) is not None and _sheet(win).isVisible(), timeout=3000)
    assert [m.menuAction().text() for m in [help_menu]] == ["&Help"]
    assert "About Vanish" in [a.text().replace("&", "") for a in help_menu.actions()]
    _sheet(win).close()


def test_about_names_the_version(qtbot, win):
    about = next(a for a in win.menus["help"].actions() if a.text() == "&About Vanish")
    seen = []

    def check():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, check)
            return
        seen.append(box.text())
        box.close()

    QTimer.singleShot(50, check)
    about.trigger()
    assert len(seen) == 1 and f"Vanish {__version__}" in seen[0]


def test_every_tool_button_has_a_tooltip_naming_its_shortcut(qtbot, win):
    win.resize(1900, 900)  # wide enough that no tool bar button hides behind the overflow arrow
    qtbot.waitUntil(lambda: win.preview_bar.preview_btn.isVisible(), timeout=3000)
    buttons = [b for b in win.findChildren(QToolButton) if b.defaultAction() is not None and b.isVisible()]
    shown = {b.defaultAction().text().replace("&", "") for b in buttons}
    assert {"Brush", "Undo", "Play / pause", "Preview", "Export...", "Result"} <= shown
    assert len(buttons) >= 25
    for b in buttons:
        a = b.defaultAction()
        assert b.toolTip(), a.text()
        if not a.shortcut().isEmpty():
            assert a.shortcut().toString(QKeySequence.SequenceFormat.NativeText) in b.toolTip(), b.toolTip()
    tools = [b for b in buttons if (b.defaultAction().data() or "") in ("brush", "eraser", "rect", "lasso")]
    assert len(tools) == 4 and all(b.toolTip().endswith(")") for b in tools)


def test_brackets_change_the_brush_size(qtbot, win):
    size = win.tool_options.size
    size.setValue(20)
    win.viewer.setFocus()
    qtbot.keyClick(win.viewer, Qt.Key.Key_BracketRight)
    assert size.value() == 25
    qtbot.keyClick(win.viewer, Qt.Key.Key_BracketLeft)
    qtbot.keyClick(win.viewer, Qt.Key.Key_BracketLeft)
    assert size.value() == 16


def test_editor_version(capsys):
    assert editor_main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"vanish {__version__}"


def test_welcome_follows_the_viewer_size(qtbot, win):
    win.resize(1000, 700)
    qtbot.waitUntil(lambda: win.welcome.geometry() == win.viewer.rect(), timeout=3000)
    assert win.welcome.mapTo(win.viewer, QPoint(0, 0)) == QPoint(0, 0)


def test_self_test_passes_in_the_real_window(qtbot, capsys):
    from app.selftest import run_self_test

    assert run_self_test(QApplication.instance()) == 0
    out = capsys.readouterr().out
    assert "layers ['Ball', 'Logo']" in out and "6 frames filled" in out and "exported" in out
    assert out.rstrip().splitlines()[-1].startswith("self-test passed")
