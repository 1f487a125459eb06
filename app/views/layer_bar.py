"""The timeline's layer bar: the active shape layer's frame range as a bar, with its key frames as
diamonds. Drag the bar's middle to move the range (its keys move with it), either end to trim it.
The edit is reported once, on release (``Timeline.layerRangeEdited(start, stop, move)``, ``stop``
exclusive, None = to the end of the clip); the bar follows the mouse meanwhile. A click on the bar
without dragging goes to that frame."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

LAYER_H = 16
END_PX = 6  # how near (pixels) to an end a press trims instead of moving


class LayerBar:
    """State and drawing of the bar inside a :class:`~app.timeline.Timeline` (``tl``); ``top``
    is the bar row's y."""

    def __init__(self, tl, top: int) -> None:
        self.tl, self.top = tl, top
        self.name: str | None = None
        self.start, self.stop = 0, None  # stop exclusive, None = the end of the clip
        self.keys: list[int] = []
        self._drag = None  # (what: "move" | "start" | "stop", press frame, start, stop)
        self._view = None  # (start, stop) while dragging

    def show_layer(self, name: str | None, start: int = 0, stop: int | None = None, keys=()) -> None:
        if self._drag is None:
            self.name, self.start, self.stop, self.keys = name, int(start), stop, list(keys)
            self.tl.update()

    def span(self) -> tuple[int, int]:
        """(start, stop) as drawn, stop exclusive and resolved against the clip's length."""
        s, e = self._view or (self.start, self.stop)
        return s, self.tl.frame_count if e is None else e

    # -- input -----------------------------------------------------------------------------------
    def press(self, x: float, y: float) -> bool:
        if self.name is None or not (self.top <= y < self.top + LAYER_H):
            return False
        s, e = self.span()
        xs, xe = self.tl.x_of(s), self.tl.x_of(e)
        if not (xs - END_PX <= x <= xe + END_PX):
            return False
        what = "start" if abs(x - xs) <= END_PX else "stop" if abs(x - xe) <= END_PX else "move"
        self._drag = (what, self._frame(x), s, e, self.tl.frame_at(x))
        self._view = (s, e)
        return True

    def _frame(self, x: float) -> int:
        return int(round(self.tl.offset + x / self.tl.ppf))

    def move(self, x: float) -> None:
        if self._drag is None:
            return
        what, f0, s, e, _ = self._drag
        n = self.tl.frame_count
        d = self._frame(x) - f0
        if what == "move":
            d = max(-s, min(d, n - e))
            self._view = (s + d, e + d)
        elif what == "start":
            self._view = (max(0, min(s + d, e - 1)), e)
        else:
            self._view = (s, max(s + 1, min(e + d, n)))
        self.tl.update()

    def release(self) -> None:
        if self._drag is None:
            return
        what, *_, clicked = self._drag
        (s, e), self._drag, self._view = self._view, None, None
        if (s, e) != (self.start, self.tl.frame_count if self.stop is None else self.stop):
            self.tl.layerRangeEdited.emit(s, None if e >= self.tl.frame_count else e, what == "move")
        else:  # a click without a drag: go to that frame (a key's diamond, say)
            self.tl.scrubbed.emit(clicked)
        self.tl.update()

    @property
    def dragging(self) -> bool:
        return self._drag is not None

    # -- painting --------------------------------------------------------------------------------
    def paint(self, p: QPainter, width: int) -> None:
        y = self.top
        p.fillRect(QRectF(0, y, width, LAYER_H), QColor(30, 31, 36))
        if self.name is None:
            return
        s, e = self.span()
        xs, xe = self.tl.x_of(s), self.tl.x_of(e)
        bar = QRectF(xs, y + 2, max(2.0, xe - xs), LAYER_H - 4)
        p.setPen(QPen(QColor(120, 190, 255), 1))
        p.setBrush(QColor(60, 110, 170, 200 if self._drag else 150))
        p.drawRoundedRect(bar, 3, 3)
        p.fillRect(QRectF(xs, y + 2, 3, LAYER_H - 4), QColor(150, 210, 255))  # trim ends
        p.fillRect(QRectF(xe - 3, y + 2, 3, LAYER_H - 4), QColor(150, 210, 255))
        p.setPen(QColor(230, 236, 245))
        tx = max(xs, 0.0) + 8 + (self.tl.ppf / 2 + 6 if s in self.keys else 0)  # after a first key
        text = QRectF(tx, y, max(0.0, xe - tx - 6), LAYER_H)
        p.drawText(text, Qt.AlignmentFlag.AlignVCenter,
                   f"{self.name}  ({len(self.keys)} keys)" if self.keys else self.name)
        p.setPen(QPen(QColor(40, 30, 0), 1))
        p.setBrush(QColor(255, 200, 40))
        dk = 0 if self._view is None or self._drag[0] != "move" else self._view[0] - self.start
        cy = y + LAYER_H / 2
        for f in self.keys:
            fx = self.tl.x_of(f + dk + 0.5)
            if -5 <= fx <= width + 5:
                p.drawPolygon([QPointF(fx, cy - 5), QPointF(fx + 5, cy), QPointF(fx, cy + 5), QPointF(fx - 5, cy)])
