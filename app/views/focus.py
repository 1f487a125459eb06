"""Keyboard focus rules of the main window, so that the transport keys (J/K/L, arrows, I/O, Space)
keep working after any panel interaction.

- Enter or Esc in a text field (a spin box, a line edit) commits it and hands the keyboard back to
  the viewer.
- A click on a control that is not a text field (a slider, a list, a combo box, a button) does not
  keep the keyboard: focus goes back to the viewer. Tab still moves focus to any control.
- A click on the viewer or the timeline takes focus.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QWidget

_TEXT = (QLineEdit, QAbstractSpinBox)
_RETURN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape)
_KEEP_REASONS = (Qt.FocusReason.TabFocusReason, Qt.FocusReason.BacktabFocusReason,
                 Qt.FocusReason.ShortcutFocusReason)


def is_text_field(w: QWidget | None) -> bool:
    return isinstance(w, _TEXT)


class FocusKeeper(QObject):
    """Event filter on the window's controls; ``home`` is the widget that gets the keyboard."""

    def __init__(self, home: QWidget, parent=None) -> None:
        super().__init__(parent)
        self.home = home

    def go_home(self) -> None:
        self.home.setFocus(Qt.FocusReason.OtherFocusReason)

    def watch(self, root: QWidget, skip: tuple[QWidget, ...] = ()) -> int:
        """Install the rules on every focusable child of ``root`` except ``skip`` and their
        children; returns how many widgets are watched."""
        n = 0
        for w in root.findChildren(QWidget):
            if w.focusPolicy() == Qt.FocusPolicy.NoFocus or any(s is w or s.isAncestorOf(w) for s in skip):
                continue
            if w.property("vanishFocusWatched"):
                continue
            w.setProperty("vanishFocusWatched", True)
            w.installEventFilter(self)
            n += 1
        return n

    def eventFilter(self, obj, event) -> bool:
        t = event.type()
        if t == QEvent.Type.ShortcutOverride and is_text_field(obj) and event.key() == Qt.Key.Key_Escape:
            event.accept()  # Esc leaves the field first (the next Esc is the window's "Stop preview")
            return False
        if t == QEvent.Type.KeyPress and is_text_field(obj) and event.key() in _RETURN_KEYS:
            # let the field commit (a spin box interprets its text on Enter), then leave it
            QTimer.singleShot(0, self.go_home)
        elif t == QEvent.Type.FocusIn and not is_text_field(obj) and event.reason() not in _KEEP_REASONS:
            # a click on a slider, list or button: the control works, the keyboard stays home;
            # a list's item being renamed has its own editor (a text field), not affected
            QTimer.singleShot(0, lambda o=obj: self._release(o))
        return False

    def _release(self, obj: QWidget) -> None:
        try:
            focused = obj.hasFocus()
        except RuntimeError:  # deleted meanwhile
            return
        if focused:
            self.go_home()


def install_focus_rules(win) -> FocusKeeper:
    """Apply the rules to ``win`` (the MainWindow): its tool bars, layers panel and status bar."""
    keeper = FocusKeeper(win.viewer, win)
    win.viewer.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    win.timeline.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
    keeper.watch(win, skip=(win.viewer, win.timeline))
    win.focus_keeper = keeper
    return keeper
