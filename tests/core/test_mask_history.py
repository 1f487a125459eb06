"""Edits as data: every edit returns its inverse, held as packed bounding-box patches within a
memory limit; undo and redo restore masks bit for bit."""

from __future__ import annotations

import cv2
import numpy as np

from inpaint_core.masks import PaintedLayer, ShapeLayer
from inpaint_core.masks.document import (
    AddLayer,
    Group,
    History,
    MaskDocument,
    RemoveLayer,
    SetFrames,
    SetLayer,
)
from inpaint_core.masks.layers import _Packed

W, H, N = 1920, 1080, 300


def _object(i: int) -> np.ndarray:
    """A tracked object's mask on frame ``i``: an ellipse of about 300x200 px moving across."""
    m = np.zeros((H, W), np.uint8)
    cv2.ellipse(m, (300 + 4 * i, 500 + (i % 40)), (150, 100), i % 180, 0, 360, 255, -1)
    return m


def test_tracking_300_frames_of_1080p_undo_and_redo_within_50_mb():
    doc = MaskDocument((W, H), N)
    hist = History(doc)
    layer = PaintedLayer((W, H), "Segment")
    hist.do(AddLayer(layer), "Add Segment")
    key = np.zeros((H, W), np.uint8)
    key[10:20, 10:20] = 255
    hist.do(SetFrames.of(layer.id, {0: key}), "Segment object")  # a key frame first
    # the whole track is one step; patches are packed one frame at a time
    track = SetFrames(layer.id, {i: _Packed.pack(_object(i)) for i in range(N)})
    hist.do(track, "Track object")
    held = hist.nbytes
    print(f"undo data after tracking {N} frames of {W}x{H}: {held / 1e6:.2f} MB")
    assert held < 50e6
    hist.undo()
    print(f"undo data after undo: {hist.nbytes / 1e6:.2f} MB")
    assert hist.nbytes < 50e6
    assert np.array_equal(doc.compose(0), key) and not doc.compose(150).any()
    hist.redo()
    assert hist.nbytes < 50e6
    for i in (0, 1, 149, 299):
        assert np.array_equal(doc.compose(i), _object(i)), i
    # tracking again over the first track: the inverse now holds the whole first track
    hist.do(SetFrames(layer.id, {i: _Packed.pack(np.roll(_object(i), 7, axis=1)) for i in range(N)}), "Track")
    print(f"undo data after re-tracking over the first track: {hist.nbytes / 1e6:.2f} MB")
    assert 1e6 < hist.nbytes < 50e6
    hist.undo()
    for i in range(0, N, 23):
        assert np.array_equal(doc.compose(i), _object(i)), i
    hist.undo()
    hist.undo()
    assert not doc.compose(0).any() and len(doc.layers) == 1
    hist.undo()
    assert doc.layers == []
    hist.redo()
    hist.redo()
    hist.redo()
    assert np.array_equal(doc.compose(299), _object(299))


def test_memory_limit_drops_the_oldest_steps():
    doc = MaskDocument((640, 360), 10)
    layer = PaintedLayer((640, 360))
    doc.stack.add(layer)
    full = np.full((360, 640), 255, np.uint8)  # 28.8 kB packed per frame
    for i in range(4):
        layer.set(i, full)
    hist = History(doc, limit_bytes=40_000)
    for i in range(4):  # each clear keeps the frame it cleared as its inverse
        hist.do(SetFrames.of(layer.id, {i: None}), f"clear {i}")
    assert hist.dropped == 3 and hist.nbytes <= 40_000
    assert hist.clean_index is None  # the saved state fell out of the history
    while hist.can_undo():
        hist.undo()
    assert np.array_equal(doc.compose(3), full)  # the newest step was undone
    assert not doc.compose(0).any()  # the oldest steps are gone: their change stays


def test_layer_edits_invert_and_group():
    doc = MaskDocument((64, 48), 5)
    hist = History(doc)
    rect = ShapeLayer.rectangle((64, 48), 10.6, 20.4, 39.7, 20.3, name="R")
    hist.do(AddLayer(rect), "add")
    before = doc.compose(2)
    hist.do(Group([SetLayer(rect.id, "dilation", 2), SetLayer(rect.id, "name", "Logo")]), "props")
    assert rect.dilation == 2 and rect.name == "Logo" and doc.compose(2).sum() > before.sum()
    hist.undo()
    assert rect.dilation == 0 and rect.name == "R" and np.array_equal(doc.compose(2), before)
    hist.do(RemoveLayer(rect.id), "delete")
    assert doc.layers == []
    hist.undo()
    assert doc.layers == [rect] and np.array_equal(doc.compose(2), before)
    snap = doc.snapshot()
    hist.do(SetLayer(rect.id, "visible", False), "hide")
    assert not doc.compose(2).any() and np.array_equal(snap.compose(2), before)  # snapshots are independent
