"""Playback: a clock that plays at the clip's rate (forward, backward, J/K/L speeds) and the
transport bar (start, previous key frame, step, play, step, next key frame, end, timecode)."""

from __future__ import annotations

import time
from fractions import Fraction

import qtawesome as qta
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

from ..document.media import timecode


class PlaybackClock(QObject):
    """Emits ``frameDue(i)`` at ``rate`` x ``speed``; frames are skipped, never queued, when the
    viewer cannot keep up (the frame shown is the one due now)."""

    frameDue = Signal(int)
    stateChanged = Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rate = Fraction(25)
        self.frame_count = 0
        self.speed = 0.0  # frames per frame-period; negative plays backwards
        self._timer = QTimer(self, interval=5)
        self._timer.timeout.connect(self._tick)
        self._t0 = 0.0
        self._f0 = 0
        self._last = -1

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def play(self, start: int, speed: float = 1.0) -> None:
        if self.frame_count <= 1:
            return
        if start >= self.frame_count - 1 and speed > 0:
            start = 0
        self.speed = speed
        self._t0, self._f0, self._last = time.monotonic(), start, start
        self._timer.setInterval(max(5, int(500 / float(self.rate) / max(1.0, abs(speed)))))
        was = self.playing
        self._timer.start()
        if not was:
            self.stateChanged.emit(True)

    def stop(self) -> None:
        if self.playing:
            self._timer.stop()
            self.stateChanged.emit(False)

    def _tick(self) -> None:
        f = self._f0 + int((time.monotonic() - self._t0) * float(self.rate) * self.speed)
        if f >= self.frame_count or f < 0:
            f = min(max(f, 0), self.frame_count - 1)
            self.frameDue.emit(f)
            self.stop()
            return
        if f != self._last:
            self._last = f
            self.frameDue.emit(f)


class TransportBar(QWidget):
    """Buttons are bound to the window's actions; this widget also shows the timecode."""

    def __init__(self, actions: dict, parent=None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 2, 6, 2)
        lay.setSpacing(2)
        self.buttons = {}
        for key in ("start", "prev_key", "step_back", "play", "step_fwd", "next_key", "end"):
            b = QToolButton(self)
            b.setDefaultAction(actions[key])
            b.setAutoRaise(True)
            lay.addWidget(b)
            self.buttons[key] = b
        lay.addSpacing(12)
        self.tc = QLabel("00:00:00:00", self)
        self.tc.setObjectName("timecode")
        self.frame_label = QLabel("frame 0 / 0", self)
        self.frame_label.setObjectName("frameLabel")
        lay.addWidget(self.tc)
        lay.addSpacing(8)
        lay.addWidget(self.frame_label)
        lay.addStretch(1)
        self.range_label = QLabel("", self)
        self.range_label.setObjectName("rangeLabel")
        lay.addWidget(self.range_label)

    def show_position(self, i: int, n: int, rate: Fraction) -> None:
        self.tc.setText(timecode(i, rate))
        self.frame_label.setText(f"frame {i} / {max(0, n - 1)}")

    def show_range(self, a: int, b: int, rate: Fraction) -> None:
        self.range_label.setText(f"In {timecode(a, rate)}   Out {timecode(b, rate)}   ({b - a + 1} frames)")


def icon(name: str, color: str = "#d8dae0"):
    return qta.icon(name, color=color, color_disabled="#5a5d66")
