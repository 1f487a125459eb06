"""Showing errors: a VanishError's message in a dialog, the app keeps running.

:class:`ErrorPresenter` never blocks (dialogs are opened with ``open()``, not ``exec()``), keeps a
``history`` of what it showed, and lets tests read ``last_dialog``. :func:`install_excepthook`
routes unexpected exceptions (bugs) to the same presenter with a log file for the details.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from inpaint_core.errors import VanishError


def log_path() -> Path | None:
    try:
        from platformdirs import user_log_dir

        d = Path(user_log_dir("vanish", appauthor=False))
        d.mkdir(parents=True, exist_ok=True)
        return d / "editor-crash.log"
    except Exception:
        return None


def write_log(text: str) -> Path | None:
    p = log_path()
    if p is None:
        return None
    try:
        with p.open("a", encoding="utf-8") as fh:
            fh.write(text + "\n")
        return p
    except OSError:
        return None


class ErrorPresenter(QObject):
    """Shows error dialogs parented to ``parent``; ``shown(title, message)`` fires for each."""

    shown = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._parent = parent
        self.history: list[tuple[str, str]] = []
        self.last_dialog: QMessageBox | None = None

    def present(self, title: str, message: str, details: str | None = None) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok,
                          self._parent)
        if details:
            box.setDetailedText(details)
        box.setObjectName("errorDialog")
        box.open()
        self.last_dialog = box
        self.history.append((title, message))
        self.shown.emit(title, message)
        return box

    def exception(self, exc: BaseException, tb: str = "", context: str = "") -> QMessageBox:
        """A VanishError shows its message; anything else is an internal error with a log file."""
        if isinstance(exc, VanishError):
            title = context or "Vanish"
            return self.present(title, str(exc))
        log = write_log(tb or "".join(traceback.format_exception(exc)))
        where = f"\n\nDetails were written to {log}." if log else ""
        msg = (f"An unexpected error occurred: {type(exc).__name__}: {exc}.\n"
               f"Your work is still open; save it and report the problem.{where}")
        return self.present("Unexpected error", msg, tb or None)


_presenter: ErrorPresenter | None = None


def install_excepthook(presenter: ErrorPresenter) -> None:
    """Show uncaught exceptions in a dialog instead of crashing."""
    global _presenter
    _presenter = presenter

    def hook(etype, value, tb):
        if issubclass(etype, KeyboardInterrupt):
            sys.__excepthook__(etype, value, tb)
            return
        text = "".join(traceback.format_exception(etype, value, tb))
        if _presenter is not None:
            with contextlib.suppress(Exception):
                _presenter.exception(value, text)
                return
        sys.__excepthook__(etype, value, tb)

    sys.excepthook = hook
