"""The editable mask document and its edits as data.

:class:`MaskDocument` is the one model of a clip's mask layers (the editor is a view over it): a
:class:`~.layers.MaskStack` at the video size plus the frame count. Masks stay packed (bounding box,
1 bit per pixel); :meth:`MaskDocument.snapshot` gives a worker an independent document without
copying pixels (packed frames are immutable and shared).

Every change is an :class:`Edit` applied with :meth:`MaskDocument.apply`, which returns the inverse
edit; :class:`History` keeps those inverses (one per user action, grouped with :class:`Group`)
within a byte limit, dropping the oldest steps first.
"""

from __future__ import annotations

import abc
import copy
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..errors import MaskError
from . import keys as _keys
from .layers import Layer, MaskStack, PaintedLayer, ShapeLayer, Size, _Packed, check_refinement


def copy_layer(layer: Layer) -> Layer:
    """An independent copy of ``layer`` with the same id; packed frames are shared (immutable)."""
    out = copy.copy(layer)
    if isinstance(layer, PaintedLayer):
        out._frames = dict(layer._frames)
    return out


class MaskDocument:
    """All mask layers of one clip: ``size`` = (w, h), ``frame_count`` frames, ``layers`` bottom
    first. ``revision`` grows with every applied edit (caches key on it)."""

    def __init__(self, size: Size, frame_count: int, layers: Iterable[Layer] = ()) -> None:
        self.stack = MaskStack(size, layers)
        self.frame_count = int(frame_count)
        self.revision = 0

    @classmethod
    def of(cls, stack: MaskStack, frame_count: int) -> MaskDocument:
        """A document over copies of ``stack``'s layers (ids kept)."""
        return cls(stack.size, frame_count, [copy_layer(lay) for lay in stack])

    @property
    def size(self) -> Size:
        return self.stack.size

    @property
    def layers(self) -> list[Layer]:
        return self.stack.layers

    # -- queries ---------------------------------------------------------------------------------
    def layer(self, layer_id: str) -> Layer:
        return self.stack.get(layer_id)

    def index_of(self, layer_id: str) -> int:
        return self.layers.index(self.layer(layer_id))

    def empty(self) -> np.ndarray:
        return np.zeros((self.size[1], self.size[0]), np.uint8)

    def compose(self, i: int) -> np.ndarray:
        """(H, W) uint8 0/255: the composed mask at frame ``i`` (each layer refined, subtracting
        layers cutting those below), as :meth:`MaskStack.compose` defines it."""
        return self.stack.compose(i)

    def compose_alpha(self, i: int) -> np.ndarray:
        """(H, W) uint8 0..255: the composed mask with the layers' feathers (what the export's final
        blend uses; non-zero = :meth:`compose`)."""
        return self.stack.compose_alpha(i)

    def frame_digest(self, i: int) -> str:
        """See :meth:`MaskStack.frame_digest` (what a resumable export keys its chunks on)."""
        return self.stack.frame_digest(i)

    def coverage(self, i: int) -> np.ndarray:
        """What the overlay shows: (H, W) uint8 0..255, the composed mask with layer feathers."""
        return self.stack.compose_alpha(i)

    def key_frames(self) -> list[int]:
        """Sorted frames that carry painted masks, start/end a shape layer or hold a shape key."""
        keys: set[int] = set()
        for lay in self.layers:
            if isinstance(lay, PaintedLayer):
                keys.update(lay.frames)
            else:
                stop = self.frame_count if lay.stop is None else lay.stop
                keys.update((lay.start, max(lay.start, stop - 1)))
                keys.update(getattr(lay, "keys", {}))
        return sorted(k for k in keys if 0 <= k < self.frame_count)

    def painted_frames(self) -> list[int]:
        keys: set[int] = set()
        for lay in self.layers:
            if isinstance(lay, PaintedLayer):
                keys.update(lay.frames)
        return sorted(keys)

    def has_mask(self) -> bool:
        return any(lay.visible and (not isinstance(lay, PaintedLayer) or lay.frames) for lay in self.layers)

    def to_stack(self) -> MaskStack:
        """An independent :class:`MaskStack` of this document's layers (ids kept)."""
        return MaskStack(self.size, [copy_layer(lay) for lay in self.layers])

    def snapshot(self) -> MaskDocument:
        """An independent document for a worker thread (later edits do not affect it); no mask
        pixels are copied."""
        snap = MaskDocument.of(self.stack, self.frame_count)
        snap.revision = self.revision
        return snap

    def touch(self) -> None:
        self.revision += 1

    # -- edits -----------------------------------------------------------------------------------
    def apply(self, edit: Edit) -> Edit:
        """Apply ``edit``; returns the edit that undoes it."""
        inverse = edit.apply(self)
        self.touch()
        return inverse

    def set_shape_keys(self, layer_id: str, keys: dict[int, Sequence[Sequence[float]]]) -> Edit:
        """Set many key frames of shape layer ``layer_id`` at once ({frame: points}, see
        :mod:`.keys`; existing keys at other frames stay), e.g. from a shape tracker. Returns
        the inverse: record it as one undo step (``History.record(inverse, text)``), or build
        the edit with :class:`SetShapeKeys` and ``History.do`` it."""
        return self.apply(SetShapeKeys(layer_id, keys))


def unique_name(doc: MaskDocument, base: str) -> str:
    names = {lay.name for lay in doc.layers}
    for k in itertools.count(1):
        cand = f"{base} {k}"
        if cand not in names:
            return cand
    return base  # pragma: no cover


class Edit(abc.ABC):
    """A change of a :class:`MaskDocument`. ``apply(doc)`` performs it and returns its inverse;
    ``nbytes`` is the mask data it holds."""

    nbytes = 0

    @abc.abstractmethod
    def apply(self, doc: MaskDocument) -> Edit:
        """Perform the change on ``doc``; returns the edit that undoes it."""


@dataclass
class SetFrames(Edit):
    """Replace frames of painted layer ``layer_id``: ``frames`` maps a frame index to its new
    packed mask (a bounding-box patch, see :class:`~.layers._Packed`) or None for empty. Build it
    from arrays with :meth:`of`."""

    layer_id: str
    frames: dict[int, _Packed | None]

    @classmethod
    def of(cls, layer_id: str, masks: dict[int, np.ndarray | None]) -> SetFrames:
        """From (H, W) masks (non-zero = masked; None or all zero = empty)."""
        return cls(layer_id, {int(i): (None if m is None else _Packed.pack(m)) for i, m in masks.items()})

    def apply(self, doc: MaskDocument) -> SetFrames:
        layer = doc.layer(self.layer_id)
        if not isinstance(layer, PaintedLayer):
            raise TypeError(f"layer {layer.name!r} is not a painted layer")
        old: dict[int, _Packed | None] = {}
        for i, packed in self.frames.items():
            if layer.source_file(i) is not None:
                layer.mask(i)  # decode the file so the inverse holds the pixels
            prev = layer._frames.get(i)
            old[i] = prev
            if packed is None:
                layer._frames.pop(i, None)
            else:
                layer._frames[i] = packed
        return SetFrames(self.layer_id, old)

    @property
    def nbytes(self) -> int:
        return sum(len(p.bits) + 64 for p in self.frames.values() if p is not None) + 16 * len(self.frames)


@dataclass
class AddLayer(Edit):
    """Insert ``layer`` at ``index`` (None = on top)."""

    layer: Layer
    index: int | None = None

    def apply(self, doc: MaskDocument) -> RemoveLayer:
        doc.stack.add(self.layer, self.index)
        return RemoveLayer(self.layer.id)

    @property
    def nbytes(self) -> int:
        return getattr(self.layer, "nbytes", 0) + 256


@dataclass
class RemoveLayer(Edit):
    layer_id: str

    def apply(self, doc: MaskDocument) -> AddLayer:
        index = doc.index_of(self.layer_id)
        return AddLayer(doc.stack.remove(self.layer_id), index)


@dataclass
class SetLayer(Edit):
    """Set attribute ``attr`` (name, visible, or a refinement: dilation = signed expansion,
    feather, smooth, mode, color) of a layer to ``value``."""

    layer_id: str
    attr: str
    value: object

    ATTRS = ("name", "visible", "dilation", "feather", "smooth", "mode", "color")

    def apply(self, doc: MaskDocument) -> SetLayer:
        if self.attr not in self.ATTRS:
            raise ValueError(f"cannot set {self.attr!r} of a layer; use one of {', '.join(self.ATTRS)}")
        if self.attr not in ("name", "visible"):
            check_refinement(self.attr, self.value)
        layer = doc.layer(self.layer_id)
        old = getattr(layer, self.attr)
        setattr(layer, self.attr, self.value)
        return SetLayer(self.layer_id, self.attr, old)


@dataclass
class SetShape(Edit):
    """Replace geometry fields of shape layer ``layer_id``: ``fields`` maps ``rect``,
    ``points``, ``keys``, ``start`` or ``stop`` to its new value (see :mod:`.keys` for helpers
    that compute them). The inverse holds the old values; nothing is changed in place."""

    layer_id: str
    fields: dict

    FIELDS = ("rect", "points", "keys", "start", "stop")

    def apply(self, doc: MaskDocument) -> SetShape:
        layer = doc.layer(self.layer_id)
        if not isinstance(layer, ShapeLayer):
            raise TypeError(f"layer {layer.name!r} is not a shape layer")
        bad = set(self.fields) - set(self.FIELDS)
        if bad:
            raise ValueError(f"cannot set {sorted(bad)} of a shape; use {', '.join(self.FIELDS)}")
        new = dict(self.fields)
        if "keys" in new:
            new["keys"] = _keys.norm_keys(layer.shape, new["keys"])
        if "rect" in new:
            new["rect"] = tuple(float(v) for v in new["rect"])
            if min(new["rect"][2:]) <= 0:
                raise MaskError("A rectangle needs a positive width and height.")
        if "points" in new:
            new["points"] = [(float(x), float(y)) for x, y in new["points"]]
        start = new.get("start", layer.start)
        stop = new.get("stop", layer.stop)
        if start < 0 or (stop is not None and stop <= start):
            raise MaskError(f"Invalid frame range [{start}, {stop}) for layer {layer.name!r}.")
        old = {k: getattr(layer, k) for k in new}
        for k, v in new.items():
            setattr(layer, k, v)
        layer.invalidate()
        return SetShape(self.layer_id, old)


@dataclass
class SetShapeKeys(Edit):
    """Set key frames ``keys`` ({frame: points}) of shape layer ``layer_id``, keeping its keys at
    other frames: one step for many keys (a tracked shape)."""

    layer_id: str
    keys: dict

    def apply(self, doc: MaskDocument) -> SetShape:
        layer = doc.layer(self.layer_id)
        merged = dict(getattr(layer, "keys", {}))
        merged.update({int(f): p for f, p in self.keys.items()})
        return SetShape(self.layer_id, {"keys": merged}).apply(doc)


@dataclass
class Group(Edit):
    """Several edits as one step; the inverse undoes them in reverse order."""

    edits: Sequence[Edit] = field(default_factory=list)

    def apply(self, doc: MaskDocument) -> Group:
        return Group([e.apply(doc) for e in self.edits][::-1])

    @property
    def nbytes(self) -> int:
        return sum(e.nbytes for e in self.edits)


@dataclass
class _Step:
    text: str
    undo: Edit | None  # None: the step is the current state's redo side only
    redo: Edit | None = None

    @property
    def nbytes(self) -> int:
        return (self.undo.nbytes if self.undo else 0) + (self.redo.nbytes if self.redo else 0)


class History:
    """Undo/redo of a :class:`MaskDocument` as inverse edits, one step per user action.

    ``limit_bytes`` bounds the mask data held by all steps; when a new step would exceed it, the
    oldest steps are dropped (``dropped`` counts them). ``clean_index`` marks the saved state
    (None once the saved state was dropped from the history)."""

    def __init__(self, doc: MaskDocument, limit_bytes: int = 256 << 20) -> None:
        self.doc = doc
        self.limit_bytes = int(limit_bytes)
        self.steps: list[_Step] = []
        self.index = 0  # steps[:index] are done
        self.clean_index: int | None = 0
        self.dropped = 0

    @property
    def nbytes(self) -> int:
        return sum(s.nbytes for s in self.steps)

    def can_undo(self) -> bool:
        return self.index > 0

    def can_redo(self) -> bool:
        return self.index < len(self.steps)

    def undo_text(self) -> str:
        return self.steps[self.index - 1].text if self.can_undo() else ""

    def redo_text(self) -> str:
        return self.steps[self.index].text if self.can_redo() else ""

    def do(self, edit: Edit, text: str) -> None:
        """Apply ``edit`` as a new step (discarding any redo steps)."""
        self.record(self.doc.apply(edit), text)

    def record(self, inverse: Edit, text: str) -> None:
        """Record a step already applied to the document (e.g. a live brush stroke) by its
        ``inverse``."""
        del self.steps[self.index:]
        if self.clean_index is not None and self.clean_index > self.index:
            self.clean_index = None
        self.steps.append(_Step(text, inverse))
        self.index += 1
        self._trim()

    def undo(self) -> bool:
        if not self.can_undo():
            return False
        step = self.steps[self.index - 1]
        step.redo = self.doc.apply(step.undo)
        step.undo = None
        self.index -= 1
        return True

    def redo(self) -> bool:
        if not self.can_redo():
            return False
        step = self.steps[self.index]
        step.undo = self.doc.apply(step.redo)
        step.redo = None
        self.index += 1
        return True

    def is_clean(self) -> bool:
        return self.clean_index == self.index

    def set_clean(self) -> None:
        self.clean_index = self.index

    def clear(self) -> None:
        self.steps.clear()
        self.index = 0
        self.clean_index = 0

    def _trim(self) -> None:
        total = self.nbytes
        while total > self.limit_bytes and self.index > 1:
            total -= self.steps.pop(0).nbytes
            self.index -= 1
            self.dropped += 1
            self.clean_index = None if self.clean_index in (None, 0) else self.clean_index - 1
