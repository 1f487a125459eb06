"""Every mask edit goes through here as a QUndoCommand, so undo/redo covers all of them.

A brush stroke is painted live into its layer and pushed as one command when the mouse is released.
``changed`` is emitted after every edit, undo and redo (the preview cache listens to it).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from .brush import Stroke
from .maskmodel import Layer, MaskDocument, PaintedLayer, ShapeLayer, unique_name


class _Cmd(QUndoCommand):
    def __init__(self, ctl: MaskController, text: str) -> None:
        super().__init__(text)
        self.ctl = ctl


class PaintCommand(_Cmd):
    """Replaces frame ``frame`` of painted layer ``layer`` (``before`` None = frame was empty)."""

    def __init__(self, ctl, layer: PaintedLayer, frame: int, before, after, text: str) -> None:
        super().__init__(ctl, text)
        self.layer, self.frame, self.before, self.after = layer, frame, before, after
        self._first = True

    def _set(self, value) -> None:
        if value is None or not value.any():
            self.layer.frames.pop(self.frame, None)
        else:
            self.layer.frames[self.frame] = value.copy()
        self.ctl._emit_changed()

    def redo(self) -> None:
        if self._first:  # already painted live; just announce it
            self._first = False
            self.ctl._emit_changed()
            return
        self._set(self.after)

    def undo(self) -> None:
        self._set(self.before)


class FramesCommand(_Cmd):
    """Replaces several frames of a painted layer at once (segmentation, tracking)."""

    def __init__(self, ctl, layer: PaintedLayer, changes: dict, text: str) -> None:
        super().__init__(ctl, text)
        self.layer = layer
        self.before = {i: layer.frames.get(i) for i in changes}
        self.after = {i: (m.copy() if m is not None else None) for i, m in changes.items()}

    def _apply(self, values: dict) -> None:
        for i, m in values.items():
            if m is None or not m.any():
                self.layer.frames.pop(i, None)
            else:
                self.layer.frames[i] = m.copy()
        self.ctl._emit_changed()

    def redo(self) -> None:
        self._apply(self.after)

    def undo(self) -> None:
        self._apply(self.before)


class AddLayerCommand(_Cmd):
    def __init__(self, ctl, layer: Layer, index: int | None = None, text: str = "Add layer") -> None:
        super().__init__(ctl, text)
        self.layer, self.index = layer, index

    def redo(self) -> None:
        layers = self.ctl.doc.layers
        layers.insert(len(layers) if self.index is None else self.index, self.layer)
        self.ctl.active_id = self.layer.id
        self.ctl._emit_layers()

    def undo(self) -> None:
        self.ctl.doc.layers.remove(self.layer)
        if self.ctl.active_id == self.layer.id:
            self.ctl.active_id = self.ctl.doc.layers[-1].id if self.ctl.doc.layers else None
        self.ctl._emit_layers()


class RemoveLayerCommand(_Cmd):
    def __init__(self, ctl, layer: Layer) -> None:
        super().__init__(ctl, f"Delete {layer.name}")
        self.layer = layer
        self.index = ctl.doc.layers.index(layer)

    def redo(self) -> None:
        self.ctl.doc.layers.remove(self.layer)
        if self.ctl.active_id == self.layer.id:
            self.ctl.active_id = self.ctl.doc.layers[-1].id if self.ctl.doc.layers else None
        self.ctl._emit_layers()

    def undo(self) -> None:
        self.ctl.doc.layers.insert(self.index, self.layer)
        self.ctl._emit_layers()


class LayerPropCommand(_Cmd):
    """Sets ``attr`` of a layer; consecutive changes of the same attribute merge into one step."""

    ID = 7

    def __init__(self, ctl, layer: Layer, attr: str, value, text: str) -> None:
        super().__init__(ctl, text)
        self.layer, self.attr, self.new = layer, attr, value
        self.old = getattr(layer, attr)

    def id(self) -> int:
        return self.ID

    def mergeWith(self, other) -> bool:
        if other.layer is not self.layer or other.attr != self.attr or self.attr == "visible":
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        setattr(self.layer, self.attr, self.new)
        self.ctl._emit_layers()

    def undo(self) -> None:
        setattr(self.layer, self.attr, self.old)
        self.ctl._emit_layers()


class MaskController(QObject):
    """Owns the :class:`MaskDocument`, the undo stack and the active layer."""

    changed = Signal()  # mask pixels changed (any frame)
    layersChanged = Signal()  # list or properties of layers changed (implies ``changed``)

    def __init__(self, doc: MaskDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.doc = doc
        self.undo_stack = QUndoStack(self)
        self.active_id: int | None = None
        self._stroke: Stroke | None = None
        self._stroke_layer: PaintedLayer | None = None
        self._stroke_frame = 0

    def reset(self, doc: MaskDocument) -> None:
        """Start editing another document (a new clip or project); history is cleared."""
        self._stroke = None
        self.doc = doc
        self.undo_stack.clear()
        self.active_id = doc.layers[-1].id if doc.layers else None
        self.layersChanged.emit()
        self.changed.emit()

    # -- signals ---------------------------------------------------------------------------------
    def _emit_changed(self) -> None:
        self.doc.touch()
        self.changed.emit()

    def _emit_layers(self) -> None:
        self.doc.touch()
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
        if isinstance(lay, PaintedLayer):
            return lay
        for lay in reversed(self.doc.layers):
            if isinstance(lay, PaintedLayer):
                self.active_id = lay.id
                return lay
        lay = PaintedLayer(unique_name(self.doc, "Paint"))
        self.undo_stack.push(AddLayerCommand(self, lay, text="Add paint layer"))
        return lay

    def add_layer(self, layer: Layer) -> None:
        self.undo_stack.push(AddLayerCommand(self, layer, text=f"Add {layer.name}"))

    def add_shape(self, kind: str, points, start: int, stop: int, bitmap: np.ndarray | None = None,
                  name: str | None = None) -> ShapeLayer:
        names = {"rect": "Rectangle", "polygon": "Polygon", "lasso": "Lasso", "bitmap": "Mask image"}
        lay = ShapeLayer(name or unique_name(self.doc, names[kind]), kind=kind,
                         points=[(float(x), float(y)) for x, y in points], start=start, stop=stop,
                         size=self.doc.size, bitmap=bitmap)
        self.add_layer(lay)
        return lay

    def remove_layer(self, layer_id: int) -> None:
        self.undo_stack.push(RemoveLayerCommand(self, self.doc.layer(layer_id)))

    def set_layer(self, layer_id: int, attr: str, value) -> None:
        lay = self.doc.layer(layer_id)
        if getattr(lay, attr) == value:
            return
        labels = {"visible": "visibility", "name": "name", "dilation": "dilation"}
        self.undo_stack.push(LayerPropCommand(self, lay, attr, value,
                                              f"Change {labels.get(attr, attr)} of {lay.name}"))

    def set_frame_mask(self, frame: int, mask: np.ndarray, text: str = "Set mask") -> None:
        """Replace the active painted layer's bitmap at ``frame`` ((H, W) uint8 0/255)."""
        lay = self.paint_layer()
        before = lay.frames.get(frame)
        cmd = PaintCommand(self, lay, frame, before, mask.copy(), text)
        cmd._first = False
        self.undo_stack.push(cmd)

    def set_frames(self, layer: PaintedLayer, masks: dict, text: str) -> None:
        """Replace frames of ``layer`` with ``masks`` {index: (H, W) uint8 0/255} as one step."""
        if masks:
            self.undo_stack.push(FramesCommand(self, layer, masks, text))

    # -- strokes ---------------------------------------------------------------------------------
    def begin_stroke(self, frame: int, x: float, y: float, radius: int, hardness: float, erase: bool):
        lay = self.paint_layer()
        w, h = self.doc.size
        self._stroke = Stroke(lay.frames.get(frame), (h, w), radius, hardness, erase)
        self._stroke_layer, self._stroke_frame = lay, frame
        return self.stroke_to(x, y)

    def stroke_to(self, x: float, y: float):
        """Extend the current stroke; returns the changed box (x0, y0, x1, y1) or None."""
        if self._stroke is None:
            return None
        box = self._stroke.add_point(x, y)
        if box is not None:
            self._stroke_layer.frames[self._stroke_frame] = self._stroke.result
            self.doc.touch()
        return box

    def end_stroke(self) -> None:
        s, lay, frame = self._stroke, self._stroke_layer, self._stroke_frame
        self._stroke = None
        if s is None or s.dirty is None:
            return
        after = s.result.copy()
        if not after.any():
            lay.frames.pop(frame, None)
        text = "Erase stroke" if s.erase else "Brush stroke"
        self.undo_stack.push(PaintCommand(self, lay, frame, s.before, after, text))

    @property
    def stroking(self) -> bool:
        return self._stroke is not None
