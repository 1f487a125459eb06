"""The frame viewer: a QGraphicsView with zoom, pan, fit and 1:1, the mask overlay, the split wipe
and the brush cursor. Mouse input for mask tools is forwarded as signals in image coordinates."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsLineItem,
    QGraphicsPathItem,
    QGraphicsPixmapItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from .render import compose_view, overlay_rgba, to_qimage


class TagItem(QGraphicsRectItem):
    """A small label on a translucent dark box that keeps its size at any zoom."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = QGraphicsSimpleTextItem(self)
        self.text.setBrush(QColor(255, 255, 255))
        self.setBrush(QColor(0, 0, 0, 160))
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setZValue(5)
        self.setFlag(QGraphicsRectItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setVisible(False)
        self.setText(text)

    def setText(self, text: str) -> None:
        self.text.setText(text)
        r = self.text.boundingRect()
        self.setRect(0, 0, r.width() + 12, r.height() + 6)
        self.text.setPos(6, 3)


class FrameView(QGraphicsView):
    """Shows one frame in a view mode. Signals carry image coordinates (x, y) as floats."""

    pressed = Signal(float, float, object, object)  # x, y, Qt.MouseButton, Qt.KeyboardModifiers
    moved = Signal(float, float, object)  # x, y, Qt.MouseButtons
    released = Signal(float, float, object)
    doubleClicked = Signal(float, float)
    zoomChanged = Signal(float)
    filesDropped = Signal(list)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setBackgroundBrush(QColor(18, 18, 20))
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setMouseTracking(True)
        self.setAcceptDrops(False)  # the main window handles drops
        self.image_item = QGraphicsPixmapItem()
        self.image_item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.overlay_item = QGraphicsPixmapItem()
        self.overlay_item.setZValue(1)
        self.shape_item = QGraphicsPathItem()
        self.shape_item.setZValue(3)
        pen = QPen(QColor(255, 200, 40), 0)
        pen.setCosmetic(True)
        pen.setWidthF(1.5)
        self.shape_item.setPen(pen)
        self.shape_item.setBrush(QBrush(QColor(255, 200, 40, 50)))
        self.cursor_item = QGraphicsEllipseItem()
        self.cursor_item.setZValue(4)
        cpen = QPen(QColor(255, 255, 255, 220), 0)
        cpen.setCosmetic(True)
        self.cursor_item.setPen(cpen)
        self.cursor_item.setVisible(False)
        self.wipe_line = QGraphicsLineItem()
        self.wipe_line.setZValue(2)
        wpen = QPen(QColor(255, 255, 255), 0)
        wpen.setCosmetic(True)
        wpen.setWidthF(2)
        self.wipe_line.setPen(wpen)
        self.wipe_line.setVisible(False)
        self.hint_item = TagItem("")
        self.split_labels = [TagItem("Original"), TagItem("Result")]
        for it in (self.image_item, self.overlay_item, self.shape_item, self.cursor_item, self.wipe_line,
                   self.hint_item, *self.split_labels):
            self.scene().addItem(it)
        self.mode = "original"
        self.pending_hint: str | None = None
        self.wipe = 0.5
        self.overlay_color = (255, 40, 90)
        self.overlay_opacity = 0.5
        self.overlay_outline = False
        self.overlay_visible = True
        self.frame: np.ndarray | None = None
        self.result: np.ndarray | None = None
        self.mask: np.ndarray | None = None  # (H, W) 0/255 composed mask (mask mode)
        self.coverage: np.ndarray | None = None  # (H, W) 0..255 soft coverage (overlay)
        self.brush_radius = 20
        self.cursor_enabled = False
        self.pan_mode = False
        self._panning: QPointF | None = None
        self._fit = True
        self._dragging_wipe = False
        self._refresh = QTimer(self, singleShot=True, interval=0)
        self._refresh.timeout.connect(self._render)
        self._overlay_dirty = True
        self._overlay_key = None
        self._overlay_cov: np.ndarray | None = None
        self._overlay_rgb: np.ndarray | None = None
        self.coverage_rgb: np.ndarray | None = None

    # -- content ---------------------------------------------------------------------------------
    def set_frame(self, rgb: np.ndarray | None, result: np.ndarray | None = None) -> None:
        first = self.frame is None or (rgb is not None and self.frame.shape != rgb.shape)
        self.frame, self.result = rgb, result
        self._schedule(overlay=False)
        if first and rgb is not None:
            self.scene().setSceneRect(QRectF(0, 0, rgb.shape[1], rgb.shape[0]))
            self.fit()

    def set_result(self, result: np.ndarray | None) -> None:
        self.result = result
        self._schedule(overlay=False)

    def set_mask(self, mask: np.ndarray | None, coverage: np.ndarray | None = None,
                 colors: np.ndarray | None = None) -> None:
        self.mask = mask
        self.coverage = coverage if coverage is not None else mask
        self.coverage_rgb = colors  # (H, W, 3) uint8 per-layer colours, or None: overlay_color
        self._schedule(overlay=True)

    def set_pending(self, hint: str | None) -> None:
        """What the Result view says while a preview runs and this frame is not filled yet
        (None: no preview runs)."""
        if hint != self.pending_hint:
            self.pending_hint = hint
            self._schedule(overlay=False)

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._schedule(overlay=True)

    def set_wipe(self, wipe: float) -> None:
        self.wipe = float(np.clip(wipe, 0.0, 1.0))
        self._schedule(overlay=True)

    def set_overlay(self, color=None, opacity=None, outline=None, visible=None) -> None:
        if color is not None:
            self.overlay_color = tuple(color)
        if opacity is not None:
            self.overlay_opacity = float(opacity)
        if outline is not None:
            self.overlay_outline = bool(outline)
        if visible is not None:
            self.overlay_visible = bool(visible)
        self._schedule(overlay=True)

    def _schedule(self, overlay: bool) -> None:
        self._overlay_dirty = self._overlay_dirty or overlay
        if not self._refresh.isActive():
            self._refresh.start()

    def render_now(self) -> None:
        """Render pending changes immediately (tests and screenshots)."""
        self._refresh.stop()
        self._render()

    def displayed(self) -> np.ndarray | None:
        """The (H, W, 3) image the current mode shows, without overlay."""
        if self.frame is None:
            return None
        return compose_view(self.mode, self.frame, self.result, self.mask, self.wipe)

    def _render(self) -> None:
        if self.frame is None:
            self.image_item.setPixmap(QPixmap())
            self.overlay_item.setPixmap(QPixmap())
            return
        img = self.displayed()
        self.image_item.setPixmap(QPixmap.fromImage(to_qimage(img, copy=False)))
        h, w = self.frame.shape[:2]
        split = self.mode == "split" and self.result is not None
        self.wipe_line.setVisible(split)
        for lab in self.split_labels:
            lab.setVisible(split)
        if split:
            x = self.wipe * w
            self.wipe_line.setLine(x, 0, x, h)
            z = max(1e-3, self.zoom_factor())
            left, right = self.split_labels
            left.setPos(x - (left.boundingRect().width() + 8) / z, 6 / z)
            right.setPos(x + 8 / z, 6 / z)
        show_overlay = self.overlay_visible and self.coverage is not None and self.mode in ("original", "split")
        if show_overlay:
            clip = int(round(self.wipe * w)) if split else None
            key = (self.overlay_color, self.overlay_opacity, self.overlay_outline, clip)
            rgb = self.coverage_rgb
            same = (key == self._overlay_key and self._overlay_cov is not None
                    and self._overlay_cov.shape == self.coverage.shape
                    and np.array_equal(self._overlay_cov, self.coverage)
                    and (rgb is None) == (self._overlay_rgb is None)
                    and (rgb is None or np.array_equal(rgb, self._overlay_rgb)))
            if not same:  # stationary masks give the same overlay on every frame: reuse it
                color = rgb if rgb is not None and rgb.shape[:2] == self.coverage.shape else key[0]
                rgba = overlay_rgba(self.coverage, color, *key[1:])
                self.overlay_item.setPixmap(QPixmap.fromImage(to_qimage(rgba, copy=False)))
                self._overlay_key, self._overlay_cov = key, self.coverage.copy()
                self._overlay_rgb = None if rgb is None else rgb.copy()
        self.overlay_item.setVisible(show_overlay)
        self._overlay_dirty = False
        if self.mode in ("result", "split") and self.result is None:
            self.hint_item.setText(self.pending_hint or "No preview for this frame yet - press Preview")
            self.hint_item.setPos(8, 8)
            self.hint_item.setVisible(True)
        else:
            self.hint_item.setVisible(False)

    # -- zoom and pan ----------------------------------------------------------------------------
    def zoom_factor(self) -> float:
        return self.transform().m11()

    def set_zoom(self, z: float) -> None:
        z = float(np.clip(z, 0.02, 32.0))
        self._fit = False
        self.resetTransform()
        self.scale(z, z)
        self.zoomChanged.emit(z)

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom_factor() * factor)

    def fit(self) -> None:
        self._fit = True
        if self.frame is not None:
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
            self.zoomChanged.emit(self.zoom_factor())

    def actual_size(self) -> None:
        self.set_zoom(1.0)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit:
            self.fit()

    def wheelEvent(self, event) -> None:
        delta = event.angleDelta().y()
        if delta:
            self.zoom_by(1.0015 ** delta)
        event.accept()

    # -- mouse -----------------------------------------------------------------------------------
    def _img(self, event) -> QPointF:
        return self.mapToScene(event.position().toPoint())

    def set_brush_radius(self, r: int) -> None:
        self.brush_radius = r
        c = self.cursor_item.rect().center()
        self._place_cursor(c)

    def _place_cursor(self, p: QPointF) -> None:
        r = self.brush_radius
        self.cursor_item.setRect(p.x() - r, p.y() - r, 2 * r, 2 * r)

    def _near_wipe(self, p: QPointF) -> bool:
        if not self.wipe_line.isVisible() or self.frame is None:
            return False
        x = self.wipe * self.frame.shape[1]
        return abs(p.x() - x) * self.zoom_factor() < 6

    def mousePressEvent(self, event) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # the keyboard follows the click
        p = self._img(event)
        if event.button() == Qt.MouseButton.MiddleButton or (
            self.pan_mode and event.button() == Qt.MouseButton.LeftButton
        ):
            self._panning = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if event.button() == Qt.MouseButton.LeftButton and self._near_wipe(p):
            self._dragging_wipe = True
            return
        self.pressed.emit(p.x(), p.y(), event.button(), event.modifiers())

    def mouseMoveEvent(self, event) -> None:
        p = self._img(event)
        if self._panning is not None:
            d = event.position() - self._panning
            self._panning = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(d.y()))
            return
        if self._dragging_wipe and self.frame is not None:
            self.set_wipe(p.x() / self.frame.shape[1])
            return
        self._place_cursor(p)
        self.cursor_item.setVisible(self.cursor_enabled)
        self.setCursor(Qt.CursorShape.SplitHCursor if self._near_wipe(p) else
                       (Qt.CursorShape.BlankCursor if self.cursor_enabled else Qt.CursorShape.CrossCursor))
        self.moved.emit(p.x(), p.y(), event.buttons())

    def mouseReleaseEvent(self, event) -> None:
        p = self._img(event)
        if self._panning is not None:
            self._panning = None
            self.unsetCursor()
            return
        if self._dragging_wipe:
            self._dragging_wipe = False
            return
        self.released.emit(p.x(), p.y(), event.button())

    def mouseDoubleClickEvent(self, event) -> None:
        p = self._img(event)
        self.doubleClicked.emit(p.x(), p.y())

    def leaveEvent(self, event) -> None:
        self.cursor_item.setVisible(False)
        super().leaveEvent(event)

    # -- in-progress shapes ----------------------------------------------------------------------
    def show_shape(self, points: list[tuple[float, float]], closed: bool) -> None:
        path = QPainterPath()
        if points:
            path.moveTo(*points[0])
            for x, y in points[1:]:
                path.lineTo(x, y)
            if closed:
                path.closeSubpath()
        self.shape_item.setPath(path)
