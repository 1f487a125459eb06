"""Every mask edit goes through here: the controller turns user actions into edits of the core
:class:`~inpaint_core.masks.document.MaskDocument` and keeps their inverses in a
:class:`~inpaint_core.masks.document.History` (packed bounding-box patches, a byte limit). Qt holds
no mask pixels of its own: :class:`UndoStack` is a thin signalling wrapper over that history.

A brush stroke is painted live into its layer (binarised at 128, the only rule) and recorded as
one step when the mouse is released. In subtract mode (``draw_mode``) new shapes and brush strokes
cut the layers below them. The eraser removes paint from a painted layer; on a shape it cuts: the
stroke goes into a subtracting paint layer just above the shape (made by the first such stroke, in
the same undo step), because a shape has no pixels to erase and a user who erases expects the
mask to lose what was erased. ``changed`` is emitted after every edit, undo and redo (the
preview cache listens to it).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal

from inpaint_core.masks import Layer, PaintedLayer, ShapeLayer
from inpaint_core.masks.document import (
    AddLayer,
    Edit,
    Group,
    History,
    MaskDocument,
    RemoveLayer,
    SetFrames,
    SetLayer,
    SetShapeKeys,
    unique_name,
)

from .brush import Stroke

UNDO_LIMIT_BYTES = 512 << 20
SHAPE_NAMES = {"rect": "Rectangle", "polygon": "Polygon", "lasso": "Lasso", "bitmap": "Mask image"}


class UndoStack(QObject):
    """The editor's view of a :class:`History`, with QUndoStack's names and signals.

    ``index()`` is the position in the history (as QUndoStack's); ``changes()`` counts every
    change (edit, undo, redo), so equal values mean "nothing happened in between". ``trimmed(n)`` says that the oldest steps were dropped (``n`` so far) to stay within
    the memory limit."""

    canUndoChanged = Signal(bool)
    canRedoChanged = Signal(bool)
    cleanChanged = Signal(bool)
    indexChanged = Signal(int)
    trimmed = Signal(int)

    def __init__(self, history: History, on_change, parent=None) -> None:
        super().__init__(parent)
        self.history = history
        self._on_change = on_change
        self._changes = 0
        self._merge_key = None
        self._state = self._now()

    def _now(self):
        h = self.history
        return h.can_undo(), h.can_redo(), h.is_clean(), h.dropped

    def _announce(self, layers: bool = True) -> None:
        self._changes += 1
        self._on_change(layers)
        was, now = self._state, self._now()
        self._state = now
        if was[0] != now[0]:
            self.canUndoChanged.emit(now[0])
        if was[1] != now[1]:
            self.canRedoChanged.emit(now[1])
        if was[2] != now[2]:
            self.cleanChanged.emit(now[2])
        if now[3] != was[3]:
            self.trimmed.emit(now[3])
        self.indexChanged.emit(self._changes)

    def reset(self, history: History) -> None:
        self.history = history
        self._merge_key = None
        self._state = self._now()
        self.canUndoChanged.emit(False)
        self.canRedoChanged.emit(False)
        self.cleanChanged.emit(True)

    def push(self, edit: Edit, text: str, merge=None, layers: bool = True) -> None:
        """Apply ``edit`` as one step. Consecutive pushes with the same ``merge`` key (not None)
        form one step (e.g. a dilation spin box turned several clicks)."""
        h = self.history
        if (merge is not None and merge == self._merge_key and h.can_undo() and not h.can_redo()
                and not h.is_clean()):
            h.doc.apply(edit)  # the step's inverse already restores the state before the first push
        else:
            h.do(edit, text)
        self._merge_key = merge
        self._announce(layers)

    def record(self, inverse: Edit, text: str) -> None:
        """Record an edit already made to the document, by its inverse."""
        self.history.record(inverse, text)
        self._merge_key = None
        self._announce(False)

    def undo(self) -> None:
        self._merge_key = None
        if self.history.undo():
            self._announce()

    def redo(self) -> None:
        self._merge_key = None
        if self.history.redo():
            self._announce()

    def canUndo(self) -> bool:
        return self.history.can_undo()

    def canRedo(self) -> bool:
        return self.history.can_redo()

    def undoText(self) -> str:
        return self.history.undo_text()

    def isClean(self) -> bool:
        return self.history.is_clean()

    def setClean(self) -> None:
        self.history.set_clean()
        self._merge_key = None
        was, self._state = self._state, self._now()
        if not was[2]:
            self.cleanChanged.emit(True)

    def index(self) -> int:
        return self.history.index

    def changes(self) -> int:
        return self._changes

    def count(self) -> int:
        return len(self.history.steps)

    def clear(self) -> None:
        self.reset(History(self.history.doc, self.history.limit_bytes))


class MaskController(QObject):
    """Owns the open :class:`MaskDocument`, its undo history and the active layer."""

    changed = Signal()  # mask pixels changed (any frame)
    layersChanged = Signal()  # list or properties of layers changed (implies ``changed``)
    drawModeChanged = Signal(str)  # "add" or "subtract"

    def __init__(self, doc: MaskDocument, parent: QObject | None = None,
                 limit_bytes: int = UNDO_LIMIT_BYTES) -> None:
        super().__init__(parent)
        self.doc = doc
        self.limit_bytes = limit_bytes
        self.undo_stack = UndoStack(History(doc, limit_bytes), self._changed_by_history, self)
        self.active_id: str | None = None
        self._stroke: Stroke | None = None
        self._stroke_layer: PaintedLayer | None = None
        self._stroke_frame = 0
        self._stroke_before = None
        self._stroke_new_layer = False
        self.draw_mode = "add"

    def set_draw_mode(self, mode: str) -> None:
        """``"add"`` or ``"subtract"``: what new shapes and brush strokes do."""
        if mode not in ("add", "subtract"):
            raise ValueError(mode)
        if mode != self.draw_mode:
            self.draw_mode = mode
            self.drawModeChanged.emit(mode)

    def reset(self, doc: MaskDocument) -> None:
        """Start editing another document (a new clip or project); history is cleared."""
        self._stroke = None
        self.doc = doc
        self.undo_stack.reset(History(doc, self.limit_bytes))
        self.active_id = doc.layers[-1].id if doc.layers else None
        self.layersChanged.emit()
        self.changed.emit()

    # -- signals ---------------------------------------------------------------------------------
    def _changed_by_history(self, layers: bool) -> None:
        if self.active_id is not None and all(lay.id != self.active_id for lay in self.doc.layers):
            self.active_id = self.doc.layers[-1].id if self.doc.layers else None
        if layers:
            self.layersChanged.emit()
        self.changed.emit()

    # -- layers ----------------------------------------------------------------------------------
    def active_layer(self) -> Layer | None:
        if self.active_id is None:
            return None
        try:
            return self.doc.layer(self.active_id)
        except KeyError:
            return None

    def paint_layer(self) -> PaintedLayer:
        """The active painted layer, creating one (as its own undo step) if needed."""
        lay = self.active_layer()
        if isinstance(lay, PaintedLayer) and lay.mode == "add":
            return lay
        for lay in reversed(self.doc.layers):
            if isinstance(lay, PaintedLayer) and lay.mode == "add":
                self.active_id = lay.id
                return lay
        lay = PaintedLayer(self.doc.size, unique_name(self.doc, "Paint"))
        self.add_layer(lay, "Add paint layer")
        return lay

    def new_painted_layer(self, base: str = "Paint") -> PaintedLayer:
        return PaintedLayer(self.doc.size, unique_name(self.doc, base))

    def add_layer(self, layer: Layer, text: str | None = None) -> None:
        self.active_id = layer.id
        self.undo_stack.push(AddLayer(layer), text or f"Add {layer.name}")

    def add_shape(self, kind: str, points, start: int, stop: int | None, bitmap: np.ndarray | None = None,
                  name: str | None = None) -> ShapeLayer | None:
        """Add a stationary shape over frames ``start`` .. ``stop - 1`` (``stop`` at or past the
        end, or None: to the end of the clip). ``kind``: rect (two corners), polygon or lasso
        (vertices), bitmap. Degenerate shapes are ignored (None)."""
        size = self.doc.size
        rng = {"start": int(start), "stop": None if stop is None or stop >= self.doc.frame_count else int(stop),
               "name": name or unique_name(self.doc, SHAPE_NAMES[kind])}
        if kind == "rect":
            pts = np.asarray(points, np.float64)
            (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
            if x1 - x0 <= 0 or y1 - y0 <= 0:
                return None
            lay = ShapeLayer.rectangle(size, float(x0), float(y0), float(x1 - x0), float(y1 - y0), **rng)
        elif kind in ("polygon", "lasso"):
            if len(points) < 3:
                return None
            lay = ShapeLayer.polygon(size, [(float(x), float(y)) for x, y in points], **rng)
        else:
            lay = ShapeLayer.from_bitmap(bitmap, **rng)
        if self.draw_mode == "subtract":
            lay.mode = "subtract"
            lay.name = name or unique_name(self.doc, f"Cut {SHAPE_NAMES[kind].lower()}")
        self.add_layer(lay)
        return lay

    def remove_layer(self, layer_id: str) -> None:
        self.undo_stack.push(RemoveLayer(layer_id), f"Delete {self.doc.layer(layer_id).name}")

    def set_layer(self, layer_id: str, attr: str, value) -> None:
        lay = self.doc.layer(layer_id)
        if getattr(lay, attr) == value:
            return
        labels = {"visible": "visibility", "name": "name", "dilation": "expansion", "smooth": "smoothing"}
        merge = None if attr == "visible" else (layer_id, attr)
        self.undo_stack.push(SetLayer(layer_id, attr, value), f"Change {labels.get(attr, attr)} of {lay.name}",
                             merge=merge)

    def set_frame_mask(self, frame: int, mask: np.ndarray, text: str = "Set mask") -> None:
        """Replace the active painted layer's mask at ``frame`` ((H, W) uint8, non-zero = masked)."""
        lay = self.paint_layer()
        self.undo_stack.push(SetFrames.of(lay.id, {frame: mask}), text, layers=False)

    def set_frames(self, layer: PaintedLayer, masks: dict, text: str) -> None:
        """Replace frames of ``layer`` with ``masks`` {index: (H, W) uint8 0/255} as one step."""
        if masks:
            self.undo_stack.push(SetFrames.of(layer.id, masks), text, layers=False)

    def set_shape_keys(self, layer_id: str, keys: dict, text: str = "Track shape") -> None:
        """Set key frames ``keys`` ({frame: points}, see :mod:`inpaint_core.masks.keys`) of shape
        layer ``layer_id`` as one undo step (e.g. a shape tracker's result)."""
        if keys:
            self.undo_stack.push(SetShapeKeys(layer_id, keys), text, layers=False)

    # -- strokes ---------------------------------------------------------------------------------
    def cut_layer(self, above: Layer | None) -> tuple[PaintedLayer, bool]:
        """The subtracting paint layer just above ``above`` (None: on top), and whether it had to be
        made (added to the document now, outside the history: the stroke's step holds it)."""
        layers = self.doc.layers
        k = len(layers) if above is None else self.doc.index_of(above.id) + 1
        if k < len(layers) and isinstance(layers[k], PaintedLayer) and layers[k].mode == "subtract":
            return layers[k], False
        base = f"{above.name} cut" if above is not None else "Cut"
        taken = {other.name for other in layers}
        lay = PaintedLayer(self.doc.size, base if base not in taken else unique_name(self.doc, base))
        lay.mode = "subtract"
        self.doc.apply(AddLayer(lay, k))
        return lay, True

    def stroke_target(self, erase: bool) -> tuple[PaintedLayer | None, bool, bool]:
        """(layer, erase, new) for a stroke: what an eraser or brush stroke paints into. None
        when there is nothing to erase."""
        active = self.active_layer()
        if erase:
            if isinstance(active, PaintedLayer):
                return active, True, False
            if active is None or active.mode == "subtract":  # nothing that erasing could remove
                return None, True, False
            lay, new = self.cut_layer(active)
            return lay, False, new
        if self.draw_mode == "subtract":
            if isinstance(active, PaintedLayer) and active.mode == "subtract":
                return active, False, False
            lay, new = self.cut_layer(active)
            return lay, False, new
        return self.paint_layer(), False, False

    def begin_stroke(self, frame: int, x: float, y: float, radius: int, hardness: float, erase: bool):
        """Start a brush (or ``erase``) stroke at (x, y) on ``frame``; see the module docstring for
        which layer it goes into. Returns the changed box or None (also when nothing can be
        erased: then no step is recorded)."""
        lay, erase, new = self.stroke_target(erase)
        if lay is None:
            return None
        self._stroke_new_layer = new
        w, h = self.doc.size
        base = lay.mask(frame)  # decodes a frame still in a file, so the inverse holds its pixels
        self._stroke_before = lay._frames.get(frame)
        self._stroke = Stroke(base if base.any() else None, (h, w), radius, hardness, erase)
        self._stroke_layer, self._stroke_frame = lay, frame
        return self.stroke_to(x, y)

    def stroke_to(self, x: float, y: float):
        """Extend the current stroke; returns the changed box (x0, y0, x1, y1) or None."""
        if self._stroke is None:
            return None
        box = self._stroke.add_point(x, y)
        if box is not None:
            self._stroke_layer.set(self._stroke_frame, self._stroke.result >= 128)
            self.doc.touch()
        return box

    def end_stroke(self) -> None:
        s, lay, frame = self._stroke, self._stroke_layer, self._stroke_frame
        self._stroke = None
        new, self._stroke_new_layer = self._stroke_new_layer, False
        unchanged = s is None or s.dirty is None or lay._frames.get(frame) == self._stroke_before
        if unchanged or (new and not lay.frames):  # e.g. erasing where nothing was: no step
            if new:  # a cut layer made for a stroke that painted nothing goes again
                self.doc.apply(RemoveLayer(lay.id))
                self.changed.emit()
            return
        text = "Erase stroke" if s.erase or lay.mode == "subtract" else "Brush stroke"
        self.doc.touch()
        undo: Edit = SetFrames(lay.id, {frame: self._stroke_before})
        if new:
            undo = Group([undo, RemoveLayer(lay.id)])
        self.undo_stack.record(undo, text)
        if new:
            self.layersChanged.emit()

    @property
    def stroking(self) -> bool:
        return self._stroke is not None
