"""The status bar's job area: what runs now, how far it is, a cancel button; and a status message
that always fits (elided, the whole text in its tooltip).

Every job that reports progress here is removed when it ends, so nothing stale ("Tracking 100 %")
stays behind. When several run, the one that reported last is shown, with how many others run.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QToolButton, QWidget
from superqt import QElidingLabel

from .transport import icon


class StatusText(QElidingLabel):
    """A one-line label that elides what does not fit; the whole text is its tooltip."""

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(40)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def setText(self, txt: str) -> None:
        super().setText(txt)
        self.setToolTip(txt)

    def shown(self) -> str:
        """The text as it is drawn (elided to the label's width)."""
        return QLabel.text(self)


class JobStatus(QWidget):
    """``report(name, progress, cancel)`` while a job runs, ``end(name)`` when it ends."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        self.label = QLabel("", self)
        self.bar = QProgressBar(self)
        self.bar.setFixedWidth(220)
        self.cancel_btn = QToolButton(self)
        self.cancel_btn.setIcon(icon("fa5s.times-circle"))
        self.cancel_btn.setAutoRaise(True)
        self.cancel_btn.clicked.connect(self._cancel)
        for w in (self.label, self.bar, self.cancel_btn):
            lay.addWidget(w)
        self.jobs: dict[str, tuple[object, Callable[[], None] | None]] = {}
        self._order: list[str] = []
        self._refresh()

    def report(self, name: str, p, cancel: Callable[[], None] | None = None) -> None:
        if name in self.jobs and cancel is None:
            cancel = self.jobs[name][1]
        self.jobs[name] = (p, cancel)
        if name in self._order:
            self._order.remove(name)
        self._order.append(name)
        self._refresh()

    def end(self, name: str, message: str = "") -> None:
        """Forget ``name``; ``message`` (for example "Preview failed") stays until the next job."""
        self.jobs.pop(name, None)
        if name in self._order:
            self._order.remove(name)
        self._refresh(message)

    def current(self) -> str | None:
        return self._order[-1] if self._order else None

    def _refresh(self, message: str = "") -> None:
        name = self.current()
        if name is None:
            self.bar.setVisible(False)
            self.cancel_btn.setVisible(False)
            self.label.setText(message)
            self.setVisible(bool(message))
            return
        p, cancel = self.jobs[name]
        total = max(1, getattr(p, "total", 0) or 0)
        self.bar.setRange(0, total)
        self.bar.setValue(min(total, getattr(p, "done", 0)))
        others = len(self._order) - 1
        stage = getattr(p, "stage", "") or name
        text = f"{stage[:1].upper()}{stage[1:]} {100 * min(total, p.done) // total} %"
        self.label.setText(text + (f" (+{others} more)" if others else ""))
        self.bar.setVisible(True)
        self.cancel_btn.setVisible(cancel is not None)
        self.cancel_btn.setToolTip(f"Cancel {name.lower()}")
        self.setVisible(True)

    def _cancel(self) -> None:
        name = self.current()
        if name is not None and self.jobs[name][1] is not None:
            self.jobs[name][1]()
            self.label.setText(f"Cancelling {name.lower()}\u2026")
            self.cancel_btn.setVisible(False)
