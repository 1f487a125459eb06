"""The keyboard of the real window: every shortcut is bound once, and the transport keys keep
working after typing in a field or clicking a panel (key presses and clicks through QTest)."""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtTest import QSignalSpy, QTest
from PySide6.QtWidgets import QApplication

from tests.app.conftest import open_clip
from tests.app.test_editor_window import drag

NoMod = Qt.KeyboardModifier.NoModifier


def bindings(win) -> dict[str, list[str]]:
    """Every key sequence bound in the window -> the names of what it triggers."""
    out: dict[str, list[str]] = defaultdict(list)
    for a in win.findChildren(QAction):
        for seq in a.shortcuts():
            if not seq.isEmpty():
                out[seq.toString(QKeySequence.SequenceFormat.PortableText)].append(a.text() or a.objectName())
    for s in win.findChildren(QShortcut):
        for seq in s.keys():
            if not seq.isEmpty():
                out[seq.toString(QKeySequence.SequenceFormat.PortableText)].append(f"shortcut {s.objectName()}")
    return out


def test_every_shortcut_is_bound_once(qtbot, win):
    b = bindings(win)
    assert len(b) >= 40  # the window's whole keyboard, not an empty list
    clashes = {k: v for k, v in b.items() if len(v) > 1}
    assert not clashes, f"shortcuts bound twice: {clashes}"


def test_save_as_and_track_forward_keys_trigger_their_own_action(qtbot, win):
    win.activateWindow()
    win.viewer.setFocus()
    for key, mods, name in ((Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
                             "save_as"),
                            (Qt.Key.Key_Right, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
                             "track_fwd"),
                            (Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier,
                             "track_back")):
        act = win.acts[name]
        act.setEnabled(True)
        spy = QSignalSpy(act.triggered)
        QTest.keyClick(win.viewer, key, mods)
        assert spy.count() == 1, name  # an ambiguous shortcut triggers nothing


def _press(qtbot, win, key, expect_frame):
    with qtbot.waitSignal(win.frameShown, timeout=10000, check_params_cb=lambda k: k == expect_frame):
        QTest.keyClick(QApplication.focusWidget() or win, key)


def test_typing_in_the_dilation_field_then_enter_gives_the_arrows_back(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.activateWindow()
    win.acts["tool_rect"].trigger()
    drag(win, [(40, 30), (80, 60)])  # a layer, so that the dilation field is enabled
    field = win.layers.dilation
    assert field.isEnabled()
    le = field.lineEdit()
    QTest.mouseClick(le, Qt.MouseButton.LeftButton, NoMod, le.rect().center())
    qtbot.waitUntil(field.hasFocus, timeout=3000)
    QTest.keyClick(le, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(le, "5")
    QTest.keyClick(le, Qt.Key.Key_Return)
    qtbot.waitUntil(win.viewer.hasFocus, timeout=3000)
    assert win.masks.active_layer().dilation == 5  # Enter committed the value
    assert win.current == 0
    _press(qtbot, win, Qt.Key.Key_Right, 1)  # the arrow steps the frame, not the field
    assert win.current == 1 and win.masks.active_layer().dilation == 5
    # Esc leaves a field too
    QTest.mouseClick(le, Qt.MouseButton.LeftButton, NoMod, le.rect().center())
    qtbot.waitUntil(field.hasFocus, timeout=3000)
    QTest.keyClick(le, Qt.Key.Key_Escape)
    qtbot.waitUntil(win.viewer.hasFocus, timeout=3000)
    _press(qtbot, win, Qt.Key.Key_Right, 2)
    # I and O set the range from the keyboard
    QTest.keyClick(win.viewer, Qt.Key.Key_I)
    assert win.timeline.in_frame == 2


def test_clicks_on_panels_leave_the_keyboard_to_the_transport(qtbot, win, clip_file):
    open_clip(qtbot, win, clip_file)
    win.activateWindow()
    win.acts["tool_rect"].trigger()
    drag(win, [(40, 30), (80, 60)])
    # a click on the layers list selects the layer; the arrows still step frames
    lst = win.layers.list
    QTest.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, NoMod, lst.visualItemRect(lst.item(0)).center())
    qtbot.waitUntil(lambda: not lst.hasFocus(), timeout=3000)
    _press(qtbot, win, Qt.Key.Key_Right, 1)
    # a click on the brush size slider
    slider = win.tool_options.size._slider
    QTest.mouseClick(slider, Qt.MouseButton.LeftButton, NoMod, slider.rect().center())
    qtbot.waitUntil(lambda: not slider.hasFocus(), timeout=3000)
    _press(qtbot, win, Qt.Key.Key_Right, 2)
    # a click on the timeline seeks there and takes the keyboard
    tl = win.timeline
    x = int(tl.x_of(10.5))
    with qtbot.waitSignal(win.frameShown, timeout=10000, check_params_cb=lambda k: k == 10):
        QTest.mouseClick(tl, Qt.MouseButton.LeftButton, NoMod, QPoint(x, tl.height() // 2))
    assert tl.hasFocus()
    _press(qtbot, win, Qt.Key.Key_Left, 9)
    QTest.keyClick(tl, Qt.Key.Key_O)
    assert win.timeline.out_frame == 9
    # J/K/L: play backward, pause
    QTest.keyClick(tl, Qt.Key.Key_J)
    assert win.clock.playing and win.clock.speed < 0
    QTest.keyClick(tl, Qt.Key.Key_K)
    assert not win.clock.playing
    # a click in the viewer takes the keyboard back from the timeline
    vp = win.viewer.viewport()
    win.acts["tool_hand"].trigger()
    QTest.mouseClick(vp, Qt.MouseButton.LeftButton, NoMod, vp.rect().center())
    assert win.viewer.hasFocus()
    QTest.keyClick(win.viewer, Qt.Key.Key_L)
    assert win.clock.playing and win.clock.speed > 0
    QTest.keyClick(win.viewer, Qt.Key.Key_K)
