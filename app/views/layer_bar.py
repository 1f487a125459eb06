"""The timeline's layer rows: every layer's frames, one row each (top layer first, as in the layers
panel), in the layer's colour. A shape layer's row is a bar over its frame range with its key
frames as diamonds: drag its middle to move the range (its keys move with it), either end to trim
it. A painted layer's row marks the frames it holds (they are edited by painting, not here). The
edit is reported once, on release (``Timeline.layerRangeEdited(layer_id, start, stop, move)``,
``stop`` exclusive, None = to the end of the clip); the bar follows the mouse meanwhile. A click on
a row without dragging goes to that frame. The rows share a fixed strip: with many layers they get
thinner, and past :data:`MIN_ROW_H` pixels the wheel over the strip scrolls them."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

LAYER_H = 48  # the strip's height
ROW_H = 16  # a row's height while they fit
MIN_ROW_H = 10
END_PX = 6  # how near (pixels) to an end a press trims instead of moving


@dataclass
class LayerRow:
    """One layer as the strip shows it: ``start``/``stop`` its range (stop exclusive, None = the
    end of the clip), ``frames`` the frames a painted layer holds (``editable`` False)."""

    id: str
    name: str
    start: int = 0
    stop: int | None = None
    keys: list[int] = field(default_factory=list)
    color: tuple[int, int, int] = (120, 190, 255)
    editable: bool = True
    frames: list[int] = field(default_factory=list)


class LayerBar:
    """State and drawing of the layer strip inside a :class:`~app.timeline.Timeline` (``tl``);
    ``top`` is the strip's y. ``name``, ``keys`` and :meth:`span` describe the active layer's row
    (the first row when no layer is active)."""

    def __init__(self, tl, top: int) -> None:
        self.tl, self.top = tl, top
        self.rows: list[LayerRow] = []
        self.active: str | None = None
        self.first = 0  # the first row shown (the strip scrolls when rows do not fit)
        self._drag = None  # (row, what: "move" | "start" | "stop", press frame, start, stop, clicked)
        self._view = None  # (start, stop) of the dragged row while dragging

    def show_layers(self, rows: list[LayerRow], active: str | None = None) -> None:
        if self._drag is None:
            self.rows, self.active = list(rows), active
            self.first = max(0, min(self.first, len(self.rows) - self.visible_rows()))
            k = self.index(active)
            if k is not None and not (self.first <= k < self.first + self.visible_rows()):
                self.first = max(0, min(k, len(self.rows) - self.visible_rows()))
            self.tl.update()

    def index(self, layer_id: str | None) -> int | None:
        return next((k for k, r in enumerate(self.rows) if r.id == layer_id), None)

    def row(self, layer_id: str | None = None) -> LayerRow | None:
        """The row of ``layer_id`` (None: the active layer's, else the first)."""
        k = self.index(layer_id if layer_id is not None else self.active)
        if k is None and layer_id is None and self.rows:
            k = 0
        return None if k is None else self.rows[k]

    @property
    def name(self) -> str | None:
        r = self.row()
        return None if r is None else r.name

    @property
    def keys(self) -> list[int]:
        r = self.row()
        return [] if r is None else r.keys

    def row_h(self) -> float:
        n = max(1, len(self.rows))
        return max(float(MIN_ROW_H), min(float(ROW_H), LAYER_H / n))

    def visible_rows(self) -> int:
        return max(1, int(LAYER_H // self.row_h()))

    def row_top(self, layer_id: str) -> float | None:
        """The y of ``layer_id``'s row (None when it is scrolled out of the strip)."""
        k = self.index(layer_id)
        if k is None or not (self.first <= k < self.first + self.visible_rows()):
            return None
        return self.top + (k - self.first) * self.row_h()

    def span(self, layer_id: str | None = None) -> tuple[int, int]:
        """(start, stop) of a row as drawn, stop exclusive and resolved against the clip's length."""
        r = self.row(layer_id)
        if r is None:
            return 0, self.tl.frame_count
        s, e = self._view if (self._drag is not None and self._drag[0] is r) else (r.start, r.stop)
        return s, self.tl.frame_count if e is None else e

    # -- input -----------------------------------------------------------------------------------
    def _row_at(self, y: float) -> LayerRow | None:
        if not (self.top <= y < self.top + LAYER_H):
            return None
        k = self.first + int((y - self.top) // self.row_h())
        return self.rows[k] if k < min(len(self.rows), self.first + self.visible_rows()) else None

    def press(self, x: float, y: float) -> bool:
        r = self._row_at(y)
        if r is None or not r.editable:
            return False
        s, e = self.span(r.id)
        xs, xe = self.tl.x_of(s), self.tl.x_of(e)
        if not (xs - END_PX <= x <= xe + END_PX):
            return False
        what = "start" if abs(x - xs) <= END_PX else "stop" if abs(x - xe) <= END_PX else "move"
        self._drag = (r, what, self._frame(x), s, e, self.tl.frame_at(x))
        self._view = (s, e)
        return True

    def wheel(self, y: float, steps: int) -> bool:
        """Scroll the rows by ``steps`` when the wheel turns over the strip and they do not fit."""
        if not (self.top <= y < self.top + LAYER_H) or len(self.rows) <= self.visible_rows():
            return False
        self.first = max(0, min(self.first + steps, len(self.rows) - self.visible_rows()))
        self.tl.update()
        return True

    def _frame(self, x: float) -> int:
        return int(round(self.tl.offset + x / self.tl.ppf))

    def move(self, x: float) -> None:
        if self._drag is None:
            return
        _, what, f0, s, e, _ = self._drag
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
        r, what, *_, clicked = self._drag
        (s, e), self._drag, self._view = self._view, None, None
        if (s, e) != (r.start, self.tl.frame_count if r.stop is None else r.stop):
            self.tl.layerRangeEdited.emit(r.id, s, None if e >= self.tl.frame_count else e, what == "move")
        else:  # a click without a drag: go to that frame (a key's diamond, say)
            self.tl.scrubbed.emit(clicked)
        self.tl.update()

    @property
    def dragging(self) -> bool:
        return self._drag is not None

    # -- painting --------------------------------------------------------------------------------
    def paint(self, p: QPainter, width: int) -> None:
        p.fillRect(QRectF(0, self.top, width, LAYER_H), QColor(30, 31, 36))
        rh = self.row_h()
        shown = self.rows[self.first:self.first + self.visible_rows()]
        for k, r in enumerate(shown):
            self._paint_row(p, width, r, self.top + k * rh, rh)
        hidden = len(self.rows) - len(shown)
        if hidden:
            p.setPen(QColor(200, 204, 214))
            p.drawText(QRectF(width - 120, self.top, 114, LAYER_H), Qt.AlignmentFlag.AlignRight
                       | Qt.AlignmentFlag.AlignBottom, f"{hidden} more (wheel)")

    def _paint_row(self, p: QPainter, width: int, r: LayerRow, y: float, rh: float) -> None:
        c = QColor(*r.color)
        active = r.id == self.active
        if active:
            p.fillRect(QRectF(0, y, width, rh), QColor(44, 46, 54))
        if not r.editable:  # a painted layer: the frames it holds
            fw = max(1.0, self.tl.ppf)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(c.red(), c.green(), c.blue(), 150))
            for f in r.frames:
                fx = self.tl.x_of(f)
                if -fw <= fx <= width:
                    p.drawRect(QRectF(fx, y + 2, fw, rh - 4))
            self._label(p, r, 4.0, float(width), y, rh, f"{r.name}  (painted, {len(r.frames)} frame{'' if len(r.frames) == 1 else 's'})")
            return
        s, e = self.span(r.id)
        xs, xe = self.tl.x_of(s), self.tl.x_of(e)
        bar = QRectF(xs, y + 1.5, max(2.0, xe - xs), rh - 3)
        dragged = self._drag is not None and self._drag[0] is r
        p.setPen(QPen(c.lighter(130) if active else c.darker(120), 2 if active else 1))
        p.setBrush(QColor(int(c.red() * 0.45), int(c.green() * 0.45), int(c.blue() * 0.45),
                          230 if dragged else (200 if active else 150)))
        p.drawRoundedRect(bar, 3, 3)
        p.fillRect(QRectF(xs, y + 1.5, 3, rh - 3), c.lighter(140))  # trim ends
        p.fillRect(QRectF(xe - 3, y + 1.5, 3, rh - 3), c.lighter(140))
        tx = max(xs, 0.0) + 8 + (self.tl.ppf / 2 + 6 if s in r.keys else 0)  # after a first key
        self._label(p, r, tx, xe - 6, y, rh, f"{r.name}  ({len(r.keys)} keys)" if r.keys else r.name)
        p.setPen(QPen(QColor(40, 30, 0), 1))
        p.setBrush(QColor(255, 200, 40))
        dk = self._view[0] - r.start if dragged and self._drag[1] == "move" else 0
        cy, dr = y + rh / 2, min(5.0, rh / 2 - 1)
        for f in r.keys:
            fx = self.tl.x_of(f + dk + 0.5)
            if -5 <= fx <= width + 5:
                p.drawPolygon([QPointF(fx, cy - dr), QPointF(fx + dr, cy), QPointF(fx, cy + dr), QPointF(fx - dr, cy)])

    @staticmethod
    def _label(p: QPainter, r: LayerRow, x0: float, x1: float, y: float, rh: float, text: str) -> None:
        if rh < 11:
            return  # too thin for text: the colour tells the layers apart
        p.setPen(QColor(230, 236, 245))
        p.drawText(QRectF(x0, y, max(0.0, x1 - x0), rh), Qt.AlignmentFlag.AlignVCenter, text)
