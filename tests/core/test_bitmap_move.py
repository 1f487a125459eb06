"""A bitmap shape moves as a whole: its mask is translated on every frame of its range, pixels
past the edge are cut off, and undo restores the old bitmap exactly."""

from __future__ import annotations

import numpy as np
import pytest

from inpaint_core.errors import MaskError
from inpaint_core.masks import ShapeLayer
from inpaint_core.masks.bitmapmove import SetBitmap, shift_mask
from inpaint_core.masks.document import MaskDocument


def test_shift_mask_moves_and_cuts_at_the_edge():
    m = np.zeros((10, 12), np.uint8)
    m[2:5, 3:7] = 255
    s = shift_mask(m, 4, -1)
    assert np.array_equal(np.argwhere(s), np.argwhere(m) + [-1, 4])
    assert shift_mask(m, 8, 0).sum() == 255 * 3 and not shift_mask(m, 0, 20).any()
    assert np.array_equal(shift_mask(m, 0, 0), m)


def test_set_bitmap_moves_the_layer_and_undoes_exactly():
    bm = np.zeros((40, 60), np.uint8)
    bm[5:15, 10:30] = 255
    lay = ShapeLayer.from_bitmap(bm, start=2, stop=8)
    rect = ShapeLayer.rectangle((60, 40), 50, 30, 5, 5, stop=1)
    doc = MaskDocument((60, 40), 10, [lay, rect])
    before = [doc.compose(i).copy() for i in range(10)]
    mine = [lay.mask(i) for i in range(10)]
    digest = doc.frame_digest(3)
    inverse = SetBitmap(lay.id, shift_mask(lay.bitmap, 7, 3)).apply(doc)
    for i in range(10):
        assert np.array_equal(lay.mask(i), shift_mask(mine[i], 7, 3)), i
        assert np.array_equal(doc.compose(i), np.maximum(lay.mask(i), rect.mask(i))), i
    assert doc.frame_digest(3) != digest and not doc.compose(1)[:, :45].any()
    inverse.apply(doc)
    assert all(np.array_equal(doc.compose(i), before[i]) for i in range(10))
    assert doc.frame_digest(3) == digest
    with pytest.raises(MaskError, match="not a bitmap"):
        SetBitmap(rect.id, bm).apply(doc)
