"""The welcome screen: what a new user sees before any video is open.

Three ways in: "Open a video" (the file dialog), "Open recent" (the last projects and videos) and
"Try the demo" (a generated clip with a logo and a moving ball, and a project with a layer for
each: :mod:`inpaint_core.demo_project`). It covers the viewer while no clip is open and hides when
one opens.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..document.recent import recent_labels
from .transport import icon

RECENT_SHOWN = 5


class WelcomeScreen(QFrame):
    """Signals: ``openRequested()``, ``recentChosen(str)``, ``demoRequested()``."""

    openRequested = Signal()
    recentChosen = Signal(str)
    demoRequested = Signal()

    def __init__(self, recent: list[str], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomeScreen")
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#welcomeScreen { background: #18191d; }"
            " #welcomeTitle { font-size: 26px; font-weight: 600; color: #eef0f5; }"
            " #welcomeHint { color: #9a9ea8; }"
            " QPushButton#welcomeBig { font-size: 15px; padding: 14px 22px; text-align: left; }"
            " QPushButton#welcomeRecent { text-align: left; padding: 5px 10px; border: none; color: #8fc4ff; }"
            " QPushButton#welcomeRecent:hover { text-decoration: underline; }")
        outer = QVBoxLayout(self)
        outer.addStretch(2)
        col = QVBoxLayout()
        col.setSpacing(12)
        title = QLabel("Welcome to Vanish", self)
        title.setObjectName("welcomeTitle")
        col.addWidget(title)
        hint = QLabel("Remove objects and watermarks from video: open a clip, mark what must go, "
                      "preview the fill, export.", self)
        hint.setObjectName("welcomeHint")
        hint.setWordWrap(True)
        col.addWidget(hint)
        col.addSpacing(10)
        row = QHBoxLayout()
        row.setSpacing(12)
        self.open_btn = self._big("Open a video...", "fa5s.folder-open",
                                  "Open a video or a Vanish project ("
                                  + QKeySequence(QKeySequence.StandardKey.Open).toString(
                                      QKeySequence.SequenceFormat.NativeText) + "); or drop it on the window")
        self.open_btn.clicked.connect(self.openRequested)
        self.demo_btn = self._big("Try the demo", "fa5s.magic",
                                  "Open a generated clip with a logo and a moving ball, already marked "
                                  "on two layers: press Preview, then Export")
        self.demo_btn.clicked.connect(self.demoRequested)
        row.addWidget(self.open_btn)
        row.addWidget(self.demo_btn)
        row.addStretch(1)
        col.addLayout(row)
        col.addSpacing(14)
        head = QLabel("Open recent", self)
        head.setObjectName("welcomeHint")
        col.addWidget(head)
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(0)
        col.addLayout(self.recent_box)
        col.addSpacing(14)
        keys = QLabel("Press ? for the keyboard shortcuts. Help > User guide explains the rest.", self)
        keys.setObjectName("welcomeHint")
        col.addWidget(keys)
        self.status = QLabel("", self)
        self.status.setObjectName("welcomeHint")
        col.addWidget(self.status)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addLayout(col, 3)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(3)
        self.recent_buttons: list[QWidget] = []
        self.set_recent(recent)

    def _big(self, text: str, ic: str, tip: str) -> QPushButton:
        b = QPushButton(icon(ic), text, self)
        b.setObjectName("welcomeBig")
        b.setToolTip(tip)
        b.setMinimumWidth(220)
        b.setCursor(Qt.CursorShape.PointingHandCursor)
        return b

    def set_recent(self, recent: list[str]) -> None:
        for b in self.recent_buttons:
            self.recent_box.removeWidget(b)
            b.deleteLater()
        self.recent_buttons = []
        shown = recent[:RECENT_SHOWN]
        for p, label in zip(shown, recent_labels(shown), strict=True):
            b = QPushButton(label, self)
            b.setObjectName("welcomeRecent")
            b.setToolTip(p)
            if not Path(p).exists():  # moved or deleted since: say so instead of failing on a click
                b.setText(f"{label} (not found)")
                b.setEnabled(False)
            b.setCursor(Qt.CursorShape.PointingHandCursor)
            b.clicked.connect(lambda _=False, p=p: self.recentChosen.emit(p))
            self.recent_box.addWidget(b)
            self.recent_buttons.append(b)
        if not recent:
            b = QLabel("Nothing yet: the videos and projects you open appear here.", self)
            b.setObjectName("welcomeHint")
            b.setContentsMargins(10, 4, 0, 4)
            self.recent_box.addWidget(b)
            self.recent_buttons.append(b)


class _Cover(QObject):
    """Keeps the welcome screen the size of the widget it covers."""

    def __init__(self, screen: QWidget, host: QWidget) -> None:
        super().__init__(host)
        self.screen, self.host = screen, host
        host.installEventFilter(self)

    def eventFilter(self, obj, ev) -> bool:
        if obj is self.host and ev.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.screen.setGeometry(self.host.rect())
        return False


def install_welcome(win) -> WelcomeScreen:
    """Put a welcome screen over ``win.viewer`` (the MainWindow's); it hides once a clip opens."""
    from inpaint_core.demo_project import make_demo

    screen = WelcomeScreen(win.settings.recent(), win.viewer)
    screen.setGeometry(win.viewer.rect())
    screen._cover = _Cover(screen, win.viewer)
    screen.openRequested.connect(win.ask_open)
    screen.recentChosen.connect(win.open_path)

    def demo() -> None:
        screen.status.setText("Preparing the demo...")
        screen.demo_btn.setEnabled(False)

        def failed() -> None:
            screen.status.setText("The demo could not be prepared.")
            screen.demo_btn.setEnabled(True)

        win.run_job(lambda tok: make_demo(cancel=tok), "Preparing the demo", on_success=win.open_path,
                    on_failure=failed)

    screen.demoRequested.connect(demo)
    win.clipOpened.connect(screen.hide)
    win.clipOpened.connect(lambda: screen.demo_btn.setEnabled(True))
    screen.show()
    screen.raise_()
    return screen
