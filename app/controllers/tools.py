"""Mask tools: select, brush, eraser, rectangle, polygon, lasso (and the hand for panning).

The :class:`ToolController` turns viewer mouse signals (image coordinates) into edits on the
:class:`MaskController`. Shapes become stationary layers over the current in/out range. With the
select tool, or a press inside an existing shape with a shape tool, the shape editor
(``shapes``, :mod:`.shape_edit`) selects, moves and reshapes it instead.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from ..document.mask_controller import MaskController
from ..views.viewer import FrameView
from .segment_tool import segment_available

TOOLS = ("hand", "select", "brush", "eraser", "rect", "polygon", "lasso") + (("segment",) if segment_available() else ())
TOOL_LABELS = {
    "hand": ("Hand (pan)", "H", "fa5s.hand-paper"),
    "select": ("Select and edit shapes (drag to move, handles to reshape, Delete removes)", "V",
               "fa5s.mouse-pointer"),
    "brush": ("Brush", "B", "fa5s.paint-brush"),
    "eraser": ("Eraser", "E", "fa5s.eraser"),
    "rect": ("Rectangle over in/out range", "R", "fa5s.vector-square"),
    "polygon": ("Polygon over in/out range (click points, double-click to close)", "P", "fa5s.draw-polygon"),
    "lasso": ("Lasso over in/out range (drag)", "L", "mdi.lasso"),
    "segment": ("Segment object: click adds, right-click excludes, drag draws a box", "S", "fa5s.crosshairs"),
}


class ToolController(QObject):
    """Routes viewer input to the active tool. ``frame_fn()`` gives the current frame index,
    ``range_fn()`` the (start, stop) range shapes cover."""

    toolChanged = Signal(str)
    maskPainted = Signal()  # live updates while a stroke is in progress

    def __init__(self, view: FrameView, masks: MaskController, frame_fn: Callable[[], int],
                 range_fn: Callable[[], tuple[int, int]], parent=None) -> None:
        super().__init__(parent)
        self.view, self.masks = view, masks
        self.frame_fn, self.range_fn = frame_fn, range_fn
        self.tool = "brush"
        self.radius = 20
        self.hardness = 0.8
        self.points: list[tuple[float, float]] = []
        self.segment = None  # the SegmentTool, when segmentation is part of this build
        self.shapes = None  # the ShapeEditor (selection, handles), once installed
        self._editing = False
        self._drag = False
        self._live = QTimer(self, singleShot=True, interval=15)
        self._live.timeout.connect(self.maskPainted.emit)
        view.pressed.connect(self._press)
        view.moved.connect(self._move)
        view.released.connect(self._release)
        view.doubleClicked.connect(self._double)
        self.set_tool("brush")

    def set_tool(self, tool: str) -> None:
        self.cancel_shape()
        self.tool = tool
        self.view.pan_mode = tool == "hand"
        self.view.cursor_enabled = tool in ("brush", "eraser")
        self.view.cursor_item.setVisible(False)
        self.toolChanged.emit(tool)

    def set_radius(self, r: int) -> None:
        self.radius = max(1, int(r))
        self.view.set_brush_radius(self.radius)

    def set_hardness(self, h: float) -> None:
        self.hardness = float(h)

    def cancel_shape(self) -> None:
        self.points = []
        self._drag = False
        self.view.show_shape([], False)

    # -- input -----------------------------------------------------------------------------------
    def _press(self, x: float, y: float, button, modifiers) -> None:
        if self.view.frame is None:
            return
        if self._shape_press(x, y, button, modifiers):
            return
        if self.tool == "segment" and self.segment is not None:
            self.segment.press(x, y, button)
        elif self.tool in ("brush", "eraser") and button == Qt.MouseButton.LeftButton:
            erase = self.tool == "eraser" or bool(modifiers & Qt.KeyboardModifier.AltModifier)
            self.masks.begin_stroke(self.frame_fn(), x, y, self.radius, self.hardness, erase)
            self._live.start()
        elif self.tool in ("rect", "lasso") and button == Qt.MouseButton.LeftButton:
            self.points = [(x, y)]
            self._drag = True
        elif self.tool == "polygon":
            if button == Qt.MouseButton.RightButton:
                self.finish_polygon()
            elif button == Qt.MouseButton.LeftButton:
                if len(self.points) >= 3 and self._near_first(x, y):
                    self.finish_polygon()
                else:
                    self.points.append((x, y))
                    self.view.show_shape(self.points, False)

    def _shape_press(self, x: float, y: float, button, modifiers) -> bool:
        """Select/edit a shape instead of drawing: the select tool, or a press inside a shape
        with a shape tool (not in the middle of a polygon; Shift draws a new shape there)."""
        if self.shapes is None or button != Qt.MouseButton.LeftButton:
            return False
        shift = bool(modifiers & Qt.KeyboardModifier.ShiftModifier)
        if self.tool == "select" or (self.tool in ("rect", "lasso", "polygon") and not self.points and not shift):
            self._editing = self.shapes.press(x, y)
            if not self._editing and self.tool == "select":
                self.shapes.select(None)
            return self._editing or self.tool == "select"
        return False

    def _near_first(self, x: float, y: float) -> bool:
        fx, fy = self.points[0]
        return ((x - fx) ** 2 + (y - fy) ** 2) ** 0.5 * self.view.zoom_factor() < 8

    def _move(self, x: float, y: float, buttons) -> None:
        if self._editing:
            self.shapes.move(x, y)
        elif self.tool == "segment" and self.segment is not None:
            self.segment.move(x, y)
        elif self.masks.stroking:
            if self.masks.stroke_to(x, y) is not None and not self._live.isActive():
                self._live.start()
        elif self._drag and self.tool == "rect":
            x0, y0 = self.points[0]
            self.points = [(x0, y0), (x, y)]
            self.view.show_shape([(x0, y0), (x, y0), (x, y), (x0, y)], True)
        elif self._drag and self.tool == "lasso":
            self.points.append((x, y))
            self.view.show_shape(self.points, True)
        elif self.tool == "polygon" and self.points:
            self.view.show_shape([*self.points, (x, y)], False)
        elif self.shapes is not None and not self._drag:
            self.shapes.hover(x, y)

    def _release(self, x: float, y: float, button) -> None:
        if self._editing:
            self._editing = False
            self.shapes.release()
            return
        if self.tool == "segment" and self.segment is not None:
            self.segment.release(x, y, button)
            return
        if self.masks.stroking:
            self.masks.end_stroke()
            return
        if self._drag and self.tool == "rect":
            self._drag = False
            pts = self.points
            self.cancel_shape()
            if len(pts) == 2 and abs(pts[1][0] - pts[0][0]) >= 2 and abs(pts[1][1] - pts[0][1]) >= 2:
                self.add_shape("rect", self._clip(pts))
        elif self._drag and self.tool == "lasso":
            self._drag = False
            pts = self.points
            self.cancel_shape()
            if len(pts) >= 3:
                self.add_shape("lasso", self._clip(pts))

    def _double(self, x: float, y: float) -> None:
        if self.tool == "polygon" and self.points:
            if not self.points or abs(self.points[-1][0] - x) + abs(self.points[-1][1] - y) > 1:
                self.points.append((x, y))  # the double-click's point closes the polygon
            self.finish_polygon()

    def finish_polygon(self) -> None:
        pts = self.points
        self.cancel_shape()
        if len(pts) >= 3:
            self.add_shape("polygon", self._clip(pts))

    def _clip(self, pts):
        w, h = self.masks.doc.size
        return [(min(max(x, 0.0), w), min(max(y, 0.0), h)) for x, y in pts]

    def add_shape(self, kind: str, pts) -> None:
        start, stop = self.range_fn()
        self.masks.add_shape(kind, pts, start, stop)
