"""The timeline: a zoomable time ruler with timecode, a thumbnail strip, the playhead, the in/out
range, key-frame markers (painted masks, shape boundaries) and the frames the preview has filled."""

from __future__ import annotations

import bisect
import math
from fractions import Fraction

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QScrollBar, QSizePolicy, QVBoxLayout, QWidget

from ..document.media import timecode
from .layer_bar import LAYER_H, LayerBar

RULER_H, THUMB_H, TRACK_H, CONF_H = 22, 54, 14, 5
LOW_CONFIDENCE = 0.5


class Timeline(QWidget):
    """Signals: ``scrubbed(frame)`` while the user clicks or drags, ``thumbNeeded(frame)`` for a
    thumbnail not yet delivered (answer with :meth:`add_thumbnail`), ``viewChanged()``,
    ``layerRangeEdited(layer_id, start, stop, moved)`` when a layer's row on the layer strip
    (``bar``, :mod:`.layer_bar`) was dragged or trimmed."""

    scrubbed = Signal(int)
    layerRangeEdited = Signal(str, int, object, bool)
    thumbNeeded = Signal(int)
    viewChanged = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setMinimumHeight(RULER_H + THUMB_H + TRACK_H + CONF_H + LAYER_H + 6)
        self.bar = LayerBar(self, RULER_H + THUMB_H + TRACK_H + CONF_H)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.frame_count = 0
        self.rate = Fraction(25)
        self.current = 0
        self.in_frame = 0
        self.out_frame = 0  # inclusive
        self.key_frames: list[int] = []
        self.painted: set[int] = set()
        self.filled: set[int] = set()
        self.confidence: dict[int, float] = {}  # tracked frames -> confidence in [0, 1]
        self.thumb_aspect = 16 / 9
        self._thumbs: dict[int, QPixmap] = {}
        self._thumb_keys: list[int] = []
        self._requested: set[int] = set()
        self.ppf = 1.0  # pixels per frame
        self.offset = 0.0  # first visible frame
        self._fit = True
        self._scrubbing = False
        self.setFont(QFont(self.font().family(), 8))

    # -- model -----------------------------------------------------------------------------------
    def set_clip(self, frame_count: int, rate: Fraction, aspect: float) -> None:
        self.frame_count, self.rate, self.thumb_aspect = frame_count, rate, aspect
        self.current, self.in_frame, self.out_frame = 0, 0, max(0, frame_count - 1)
        self._thumbs.clear()
        self._thumb_keys.clear()
        self._requested.clear()
        self.filled.clear()
        self.fit()

    def set_current(self, i: int) -> None:
        self.current = i
        if self.frame_count and not self._fit:
            first, last = self.offset, self.offset + self.width() / self.ppf
            if i < first or i >= last - 1:
                self.offset = max(0.0, min(i - 0.1 * (last - first), self._max_offset()))
                self.viewChanged.emit()
        self.update()

    def set_range(self, a: int, b: int) -> None:
        self.in_frame, self.out_frame = min(a, b), max(a, b)
        self.update()

    def set_markers(self, key_frames: list[int], painted: set[int]) -> None:
        self.key_frames, self.painted = sorted(key_frames), set(painted)
        self.update()

    def set_confidence(self, confidence: dict[int, float]) -> None:
        """The tracker's per-frame confidence, drawn as a strip under the markers (green: sure,
        red: below :data:`LOW_CONFIDENCE`, segment that frame again)."""
        self.confidence = dict(confidence)
        self.update()

    def low_confidence(self) -> list[int]:
        return sorted(i for i, c in self.confidence.items() if c < LOW_CONFIDENCE)

    @staticmethod
    def confidence_color(c: float) -> QColor:
        if c < LOW_CONFIDENCE:
            return QColor(235, 60, 60)
        t = (c - LOW_CONFIDENCE) / (1 - LOW_CONFIDENCE)
        return QColor(int(240 - 170 * t), int(170 + 40 * t), 70)

    def set_filled(self, filled: set[int]) -> None:
        self.filled = set(filled)
        self.update()

    def add_filled(self, i: int) -> None:
        self.filled.add(i)
        self.update()

    def add_thumbnail(self, i: int, pix: QPixmap) -> None:
        if i not in self._thumbs:
            bisect.insort(self._thumb_keys, i)
        self._thumbs[i] = pix
        self.update()

    # -- geometry --------------------------------------------------------------------------------
    def fit(self) -> None:
        self._fit = True
        self.ppf = max(1e-3, self.width() / max(1, self.frame_count))
        self.offset = 0.0
        self.viewChanged.emit()
        self.update()

    def _max_offset(self) -> float:
        return max(0.0, self.frame_count - self.width() / self.ppf)

    def set_zoom(self, ppf: float, anchor_x: float | None = None) -> None:
        fit_ppf = self.width() / max(1, self.frame_count)
        ppf = max(fit_ppf, min(60.0, ppf))
        ax = self.width() / 2 if anchor_x is None else anchor_x
        f = self.offset + ax / self.ppf
        self.ppf = ppf
        self._fit = abs(ppf - fit_ppf) < 1e-6
        self.offset = max(0.0, min(f - ax / ppf, self._max_offset()))
        self.viewChanged.emit()
        self.update()

    def set_offset(self, offset: float) -> None:
        self.offset = max(0.0, min(offset, self._max_offset()))
        self.update()

    def x_of(self, frame: float) -> float:
        return (frame - self.offset) * self.ppf

    def frame_at(self, x: float) -> int:
        return int(min(max(0, math.floor(self.offset + x / self.ppf)), max(0, self.frame_count - 1)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.fit()
        else:
            self.set_zoom(self.ppf)

    # -- input -----------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # the keyboard follows the click
        if event.button() == Qt.MouseButton.LeftButton and self.bar.press(event.position().x(), event.position().y()):
            return
        if event.button() == Qt.MouseButton.LeftButton and self.frame_count:
            self._scrubbing = True
            self.scrubbed.emit(self.frame_at(event.position().x()))

    def mouseMoveEvent(self, event) -> None:
        if self.bar.dragging:
            self.bar.move(event.position().x())
        elif self._scrubbing:
            self.scrubbed.emit(self.frame_at(event.position().x()))

    def mouseReleaseEvent(self, event) -> None:
        self._scrubbing = False
        self.bar.release()

    def wheelEvent(self, event) -> None:
        d = event.angleDelta().y() or event.angleDelta().x()
        if not event.modifiers() and self.bar.wheel(event.position().y(), -1 if d > 0 else 1):
            event.accept()
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.set_zoom(self.ppf * (1.0015 ** d), event.position().x())
        else:
            self.set_offset(self.offset - d / 120 * 40 / self.ppf)
            self.viewChanged.emit()
        event.accept()

    # -- painting --------------------------------------------------------------------------------
    def _tick_step(self) -> int:
        fps = max(1, round(float(self.rate)))
        for step in (1, 2, 5, 10, fps, 2 * fps, 5 * fps, 10 * fps, 30 * fps, 60 * fps, 300 * fps, 600 * fps):
            if step * self.ppf >= 90:
                return step
        return 3600 * fps

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        w = self.width()
        p.fillRect(self.rect(), QColor(26, 27, 31))
        if not self.frame_count:
            p.setPen(QColor(120, 120, 130))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Open a video to see its timeline")
            return
        # ruler
        p.fillRect(0, 0, w, RULER_H, QColor(34, 36, 41))
        step = self._tick_step()
        p.setPen(QColor(150, 152, 160))
        minor = max(1, step // 5) if step >= 5 else step
        f = int(self.offset // minor) * minor
        last = self.offset + w / self.ppf
        while f <= last:
            x = self.x_of(f)
            if f % step == 0:
                p.drawLine(int(x), RULER_H - 9, int(x), RULER_H)
                p.drawText(int(x) + 3, 12, timecode(f, self.rate))
            else:
                p.drawLine(int(x), RULER_H - 4, int(x), RULER_H)
            f += minor
        # thumbnails
        ty = RULER_H
        tw = max(8, int(THUMB_H * self.thumb_aspect))
        p.fillRect(0, ty, w, THUMB_H, QColor(14, 14, 16))
        quant = max(1, round(tw / self.ppf))
        x = 0
        while x < w:
            fr = self.frame_at(x + tw / 2)
            fr = min(self.frame_count - 1, (fr // quant) * quant)
            pix = self._nearest_thumb(fr)
            if fr not in self._thumbs and fr not in self._requested:
                self._requested.add(fr)
                self.thumbNeeded.emit(fr)
            if pix is not None:
                p.drawPixmap(QRectF(x, ty, tw, THUMB_H), pix, QRectF(pix.rect()))
            p.setPen(QColor(10, 10, 12))
            p.drawLine(x, ty, x, ty + THUMB_H)
            x += tw
        # track: filled frames and markers
        ky = RULER_H + THUMB_H
        p.fillRect(0, ky, w, TRACK_H, QColor(22, 23, 27))
        fw = max(1.0, self.ppf)
        for fr in self.filled:
            fx = self.x_of(fr)
            if -fw <= fx <= w:
                p.fillRect(QRectF(fx, ky + 2, fw, TRACK_H - 4), QColor(46, 170, 110))
        for fr in self.key_frames:
            fx = self.x_of(fr + 0.5)
            if 0 <= fx <= w:
                col = QColor(255, 80, 120) if fr in self.painted else QColor(255, 200, 40)
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(col)
                p.drawPolygon([QPointF(fx, ky + 2), QPointF(fx + 4, ky + 7), QPointF(fx, ky + 12),
                               QPointF(fx - 4, ky + 7)])
        # the tracker's confidence strip
        cy = ky + TRACK_H
        p.fillRect(0, cy, w, CONF_H, QColor(22, 23, 27))
        for fr, c in self.confidence.items():
            fx = self.x_of(fr)
            if -fw <= fx <= w:
                p.fillRect(QRectF(fx, cy, fw, CONF_H), self.confidence_color(c))
        self.bar.paint(p, w)
        # in/out range: dim outside it
        xin, xout = self.x_of(self.in_frame), self.x_of(self.out_frame + 1)
        dim = QColor(0, 0, 0, 130)
        if xin > 0:
            p.fillRect(QRectF(0, RULER_H, xin, THUMB_H + TRACK_H + CONF_H), dim)
        if xout < w:
            p.fillRect(QRectF(xout, RULER_H, w - xout, THUMB_H + TRACK_H + CONF_H), dim)
        p.setPen(QPen(QColor(90, 160, 255), 2))
        p.drawLine(int(xin), 0, int(xin), self.height())
        p.drawLine(int(xout), 0, int(xout), self.height())
        p.fillRect(QRectF(xin, 0, max(0.0, xout - xin), 3), QColor(90, 160, 255))
        # playhead
        px = self.x_of(self.current + 0.5)
        p.setPen(QPen(QColor(255, 70, 70), 2))
        p.drawLine(int(px), 0, int(px), self.height())
        p.setBrush(QColor(255, 70, 70))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawPolygon([QPointF(px - 6, 0), QPointF(px + 6, 0), QPointF(px, 8)])
        p.end()

    def _nearest_thumb(self, fr: int) -> QPixmap | None:
        if fr in self._thumbs:
            return self._thumbs[fr]
        keys = self._thumb_keys
        if not keys:
            return None
        k = bisect.bisect_left(keys, fr)
        cands = [keys[j] for j in (k - 1, k) if 0 <= j < len(keys)]
        best = min(cands, key=lambda c: abs(c - fr))
        return self._thumbs[best]


class TimelinePanel(QWidget):
    """The timeline plus its horizontal scroll bar."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.timeline = Timeline(self)
        self.scroll = QScrollBar(Qt.Orientation.Horizontal, self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        row = QHBoxLayout()
        row.addWidget(self.timeline)
        lay.addLayout(row)
        lay.addWidget(self.scroll)
        self.timeline.viewChanged.connect(self._sync)
        self.scroll.valueChanged.connect(lambda v: self.timeline.set_offset(v / 10.0))
        self._sync()

    def _sync(self) -> None:
        t = self.timeline
        span = t.width() / max(1e-6, t.ppf)
        mx = max(0.0, t.frame_count - span)
        self.scroll.blockSignals(True)
        self.scroll.setRange(0, int(mx * 10))
        self.scroll.setPageStep(int(span * 10))
        self.scroll.setValue(int(t.offset * 10))
        self.scroll.setVisible(mx > 0)
        self.scroll.blockSignals(False)
