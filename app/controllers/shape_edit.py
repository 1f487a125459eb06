"""Editing shapes in the viewer: select a rectangle or polygon, move it, resize a rectangle by its
corner and edge handles, drag a polygon's vertices, delete it, and key-frame it.

The selected shape is the active layer. A drag is applied live to the document and recorded as
one undo step when the mouse is released; every change is a core
:class:`~inpaint_core.masks.document.SetShape` edit. On a shape with key frames an edit sets a key
at the current frame (the shape is interpolated between keys); a shape without keys is
stationary and an edit moves it on every frame. ``install_shape_editing(win)`` wires it into the
main window (tools, timeline layer bar, Delete and the key action).
"""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem

from inpaint_core.errors import MaskError
from inpaint_core.masks import ShapeLayer
from inpaint_core.masks import keys as K
from inpaint_core.masks.bitmapmove import SetBitmap, shift_mask
from inpaint_core.masks.document import SetShape

from ..views.layer_bar import LayerRow
from ..views.render import layer_color

HANDLE_PX = 4  # half the side of a handle square, in screen pixels
GRAB_PX = 7  # how near (screen pixels) a press must be to grab a handle
EDIT_TOOLS = ("select", "rect", "polygon", "lasso")
# rectangle handles: which corner coordinates each moves (x0, y0, x1, y1 as 0/1 flags)
RECT_HANDLES = {"tl": (1, 1, 0, 0), "t": (0, 1, 0, 0), "tr": (0, 1, 1, 0), "r": (0, 0, 1, 0),
                "br": (0, 0, 1, 1), "b": (0, 0, 0, 1), "bl": (1, 0, 0, 1), "l": (1, 0, 0, 0)}


def editable(layer) -> bool:
    return isinstance(layer, ShapeLayer) and layer.shape in ("rect", "polygon")


def bitmap_hit(layer, i: int, x: float, y: float) -> bool:
    """Whether (x, y) lies on a masked pixel of the visible bitmap shape ``layer`` at frame ``i``."""
    if not (isinstance(layer, ShapeLayer) and layer.shape == "bitmap" and layer.visible and layer.covers(i)):
        return False
    w, h = layer.size
    return 0 <= x < w and 0 <= y < h and bool(layer.bitmap[int(y), int(x)])


def handle_points(shape: str, pts) -> dict:
    """{handle name: (x, y)}: a rectangle's corners and edge middles, a polygon's vertices."""
    if shape == "rect":
        (x0, y0), (x1, y1) = pts
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        return {"tl": (x0, y0), "t": (xm, y0), "tr": (x1, y0), "r": (x1, ym), "br": (x1, y1),
                "b": (xm, y1), "bl": (x0, y1), "l": (x0, ym)}
    return {k: p for k, p in enumerate(pts)}


def dragged(shape: str, pts, handle, dx: float, dy: float):
    """The points after dragging ``handle`` ("move", a rectangle handle name or a vertex index)
    of ``pts`` by (dx, dy); None when the result would be degenerate."""
    if handle == "move":
        return [(x + dx, y + dy) for x, y in pts]
    if shape == "rect":
        (x0, y0), (x1, y1) = pts
        fx0, fy0, fx1, fy1 = RECT_HANDLES[handle]
        x0, y0, x1, y1 = x0 + fx0 * dx, y0 + fy0 * dy, x1 + fx1 * dx, y1 + fy1 * dy
        if abs(x1 - x0) < 1 or abs(y1 - y0) < 1:
            return None
        return [(x0, y0), (x1, y1)]
    out = list(pts)
    out[handle] = (pts[handle][0] + dx, pts[handle][1] + dy)
    return out


def inside(shape: str, pts, x: float, y: float) -> bool:
    if shape == "rect":
        (x0, y0), (x1, y1) = pts
        return x0 <= x <= x1 and y0 <= y <= y1
    poly = np.asarray(pts, np.float32).reshape(-1, 1, 2)
    return cv2.pointPolygonTest(poly, (float(x), float(y)), False) >= 0


class ShapeEditor(QObject):
    """Selection, handles and drags of shape layers. ``live`` is emitted while a drag changes
    the mask (before its undo step is recorded)."""

    live = Signal()
    selectionChanged = Signal()

    def __init__(self, win) -> None:
        super().__init__(win)
        self.win, self.view, self.masks = win, win.viewer, win.masks
        self.selected: str | None = None
        self._seen_active: str | None = None
        self._drag = None  # (layer id, handle, start x, start y, points, old fields)
        self._changed = False
        pen = QPen(QColor(90, 200, 255), 0)
        pen.setCosmetic(True)
        pen.setWidthF(1.5)
        self.outline = QGraphicsPathItem()
        self.outline.setPen(pen)
        self.outline.setZValue(3.5)
        self.view.scene().addItem(self.outline)
        self.handles: list[QGraphicsRectItem] = []

    # -- selection -------------------------------------------------------------------------------
    def layer(self) -> ShapeLayer | None:
        if self.selected is None:
            return None
        try:
            lay = self.masks.doc.layer(self.selected)
        except KeyError:
            return None
        return lay if editable(lay) else None

    def select(self, layer_id: str | None) -> None:
        if layer_id != self.selected:
            self.selected = layer_id
            if layer_id is not None:
                self.masks.active_id = layer_id
                self.win.layers.refresh()
            self.selectionChanged.emit()
        self.sync()

    def active_changed(self) -> None:
        """The active layer was picked in the layers panel: select it when it is a shape."""
        lay = self.masks.active_layer()
        self.selected = lay.id if editable(lay) else None
        self.selectionChanged.emit()
        self.sync()

    def follow_active(self) -> None:
        """After a change of layers: a newly active shape (one just drawn) becomes selected."""
        act = self.masks.active_id
        if act != self._seen_active:
            self._seen_active = act
            if editable(self.masks.active_layer()):
                self.selected = act
                self.selectionChanged.emit()

    def showing(self) -> bool:
        return (self.win.tools.tool in EDIT_TOOLS and self.view.frame is not None
                and self.view.mode != "result")

    # -- handles ---------------------------------------------------------------------------------
    def sync(self) -> None:
        """Redraw the handles of the selected shape at the current frame."""
        lay = self.layer()
        if self.selected is not None and lay is None:
            self.selected = None
            self.selectionChanged.emit()
        show = lay is not None and self.showing() and lay.covers(self.win.current)
        path = QPainterPath()
        spots = handle_points(lay.shape, lay.points_at(self.win.current)) if show else {}
        if show:
            pts = lay.points_at(self.win.current)
            if lay.shape == "rect":
                (x0, y0), (x1, y1) = pts
                path.addRect(x0, y0, x1 - x0, y1 - y0)
            else:
                path.moveTo(*pts[0])
                for p in pts[1:]:
                    path.lineTo(*p)
                path.closeSubpath()
        self.outline.setPath(path)
        while len(self.handles) < len(spots):
            h = QGraphicsRectItem(-HANDLE_PX, -HANDLE_PX, 2 * HANDLE_PX, 2 * HANDLE_PX)
            h.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            h.setBrush(QBrush(QColor(255, 255, 255)))
            h.setPen(QPen(QColor(20, 90, 160), 0))
            h.setZValue(3.6)
            self.view.scene().addItem(h)
            self.handles.append(h)
        keyed = lay is not None and self.win.current in lay.keys
        for h, (x, y) in zip(self.handles, spots.values(), strict=False):
            h.setPos(x, y)
            h.setBrush(QBrush(QColor(255, 200, 40) if keyed else QColor(255, 255, 255)))
            h.setVisible(True)
        for h in self.handles[len(spots):]:
            h.setVisible(False)

    def hit(self, x: float, y: float):
        """(layer id, handle) under (x, y): a handle of the selected shape first, then the
        topmost visible editable shape containing the point ("move"); None if none."""
        i = self.win.current
        tol = GRAB_PX / max(1e-6, self.view.zoom_factor())
        lay = self.layer()
        if lay is not None and lay.covers(i):
            for name, (hx, hy) in handle_points(lay.shape, lay.points_at(i)).items():
                if abs(hx - x) <= tol and abs(hy - y) <= tol:
                    return lay.id, name
        cands = list(reversed(self.masks.doc.layers))  # the selected shape first, then topmost
        if lay is not None:
            cands.insert(0, lay)
        for la in cands:
            if editable(la) and la.visible and la.covers(i) and inside(la.shape, la.points_at(i), x, y):
                return la.id, "move"
            if bitmap_hit(la, i, x, y):  # an imported bitmap moves as a whole (no handles, no keys)
                return la.id, "bitmap"
        return None

    CURSORS = {"move": Qt.CursorShape.SizeAllCursor, "tl": Qt.CursorShape.SizeFDiagCursor,
               "br": Qt.CursorShape.SizeFDiagCursor, "tr": Qt.CursorShape.SizeBDiagCursor,
               "bl": Qt.CursorShape.SizeBDiagCursor, "t": Qt.CursorShape.SizeVerCursor,
               "b": Qt.CursorShape.SizeVerCursor, "l": Qt.CursorShape.SizeHorCursor,
               "r": Qt.CursorShape.SizeHorCursor}

    def hover(self, x: float, y: float) -> None:
        """Show what a press at (x, y) would do in the viewer's cursor."""
        found = self.hit(x, y) if self.showing() else None
        if found is not None:
            self.view.setCursor(self.CURSORS.get(found[1], Qt.CursorShape.PointingHandCursor))

    # -- drags -----------------------------------------------------------------------------------
    def press(self, x: float, y: float) -> bool:
        """Start editing the shape under (x, y); False if there is none."""
        found = self.hit(x, y)
        if found is None:
            self._explain_painted(x, y)
            return False
        lid, handle = found
        if handle == "bitmap":
            self.select(None)
            self.masks.active_id = lid
            self.win.layers.refresh()
            lay = self.masks.doc.layer(lid)
            self._drag = (lid, handle, x, y, (0, 0), lay.bitmap)
            self._changed = False
            return True
        self.select(lid)
        lay = self.masks.doc.layer(lid)
        old = {"keys": lay.keys, **({"rect": lay.rect} if lay.shape == "rect" else {"points": lay.points})}
        self._drag = (lid, handle, x, y, lay.points_at(self.win.current), old)
        self._changed = False
        return True

    def _explain_painted(self, x: float, y: float) -> None:
        """A press with the select tool on painted strokes: say why they do not move."""
        i, (w, h) = self.win.current, self.masks.doc.size
        if self.win.tools.tool != "select" or not (0 <= x < w and 0 <= y < h):
            return
        for la in reversed(self.masks.doc.layers):
            if la.kind == "painted" and la.visible and la.covers(i) and la.mask(i)[int(y), int(x)]:
                self.win.status_label.setText(
                    f"{la.name} is painted frame by frame: the select tool moves shapes (rectangles, polygons, "
                    "imported bitmaps); change strokes with the brush and eraser.")
                return

    @property
    def dragging(self) -> bool:
        return self._drag is not None

    def move(self, x: float, y: float) -> None:
        if self._drag is None:
            return
        lid, handle, x0, y0, pts, old = self._drag
        if handle == "bitmap":  # whole pixels; ``pts`` holds the offset applied so far
            d = (int(round(x - x0)), int(round(y - y0)))
            if d != pts:
                self.masks.doc.apply(SetBitmap(lid, shift_mask(old, *d)))
                self._drag = (lid, handle, x0, y0, d, old)
                self._changed = True
                self.live.emit()
            return
        lay = self.masks.doc.layer(lid)
        new = dragged(lay.shape, pts, handle, x - x0, y - y0)
        if new is None:
            return
        self.masks.doc.apply(SetShape(lid, K.edit_fields(lay, self.win.current, new)))
        self._changed = True
        self.sync()
        self.live.emit()

    def release(self) -> None:
        drag, self._drag = self._drag, None
        if drag is None or not self._changed:
            return
        lid, handle, *_, old = drag
        lay = self.masks.doc.layer(lid)
        if handle == "bitmap":
            self.masks.undo_stack.record(SetBitmap(lid, old), f"Move {lay.name}")
            return
        what = "Move" if handle == "move" else ("Resize" if lay.shape == "rect" else "Edit vertex of")
        self.masks.undo_stack.record(SetShape(lid, old), f"{what} {lay.name}")

    # -- actions ---------------------------------------------------------------------------------
    def delete_selected(self) -> bool:
        lay = self.layer()
        if lay is None:
            self.win.status_label.setText("Select a shape first (V, then click it) to delete it.")
            return False
        self.masks.remove_layer(lay.id)
        self.select(None)
        return True

    def key_layer(self) -> ShapeLayer | None:
        lay = self.layer()
        if lay is None:
            act = self.masks.active_layer()
            lay = act if editable(act) else None
        return lay

    def toggle_key(self) -> bool:
        """Add a key at the playhead to the selected (or active) shape, or remove the key there."""
        lay = self.key_layer()
        if lay is None:
            act = self.masks.active_layer()
            why = ("a bitmap shape is one image for its whole range: it moves as a whole with the select "
                   "tool (V), but has no key frames" if isinstance(act, ShapeLayer) and act.shape == "bitmap" else
                   "painted strokes are per frame, painted where they belong"
                   if act is not None and act.kind == "painted" else "select one first")
            self.win.status_label.setText(f"Key frames belong to a rectangle or polygon: {why}.")
            return False
        i = self.win.current
        text = f"{'Remove' if i in lay.keys else 'Add'} key of {lay.name} at frame {i}"
        self.masks.undo_stack.push(SetShape(lay.id, K.toggle_key_fields(lay, i)), text, layers=False)
        return True

    def set_range(self, layer_id: str, start: int, stop, move: bool) -> None:
        """A layer's row on the timeline was dragged (``move``) or trimmed to ``[start, stop)``."""
        try:
            lay = self.masks.doc.layer(layer_id)
        except KeyError:
            return
        if not isinstance(lay, ShapeLayer):
            return
        n = self.masks.doc.frame_count
        stop = None if stop is None or stop >= n else int(stop)
        if (int(start), stop) == (lay.start, lay.stop):
            return
        try:
            edit = SetShape(lay.id, K.range_fields(lay, start, stop, move))
            self.masks.undo_stack.push(edit, f"{'Move' if move else 'Trim'} frames of {lay.name}", layers=False)
        except MaskError as exc:
            self.win.status_label.setText(str(exc))


def sync_timeline(win) -> None:
    """Show every layer's frames on the timeline's layer strip (top layer first, as in the layers
    panel): a shape layer's range and keys, a painted layer's frames; the active one marked."""
    if win.clip is None:
        win.timeline.bar.show_layers([])
        return
    rows = []
    for lay in reversed(win.masks.doc.layers):
        color = layer_color(lay.color)
        if isinstance(lay, ShapeLayer):
            rows.append(LayerRow(lay.id, lay.name, lay.start, lay.stop, sorted(lay.keys), color))
        else:
            rows.append(LayerRow(lay.id, lay.name, color=color, editable=False, frames=list(lay.frames)))
    act = win.masks.active_layer()
    win.timeline.bar.show_layers(rows, act.id if act is not None else None)


def install_shape_editing(win) -> ShapeEditor:
    ed = ShapeEditor(win)
    win.shape_editor = ed
    win.tools.shapes = ed
    ed.live.connect(win.refresh_mask)

    def sync_all() -> None:
        ed.follow_active()
        ed.sync()
        sync_timeline(win)

    win.masks.changed.connect(sync_all)
    win.masks.layersChanged.connect(sync_all)
    ed.selectionChanged.connect(lambda: sync_timeline(win))
    win.frameShown.connect(lambda _i: ed.sync())
    win.tools.toolChanged.connect(lambda _t: ed.sync())
    win._mode_group.triggered.connect(lambda _a: ed.sync())
    win.layers.list.currentItemChanged.connect(lambda *_: ed.active_changed())
    win.timeline.layerRangeEdited.connect(ed.set_range)
    win.acts["delete_shape"].triggered.connect(ed.delete_selected)
    win.acts["toggle_key"].triggered.connect(ed.toggle_key)
    return ed
