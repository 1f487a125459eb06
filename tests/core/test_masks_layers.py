"""Mask layers: painted (sparse, packed), shapes over a frame range, stack composition, settings."""

from __future__ import annotations

import numpy as np
import pytest

from inpaint_core.errors import MaskError
from inpaint_core.masks import (
    MaskSettings,
    MaskStack,
    PaintedLayer,
    ShapeLayer,
    grow_mask,
    mask_digest,
    open_masks,
)
from tests.shared import shared_path

SIZE = (64, 48)  # (w, h)


def _blob(x0, y0, x1, y1, size=SIZE):
    m = np.zeros((size[1], size[0]), np.uint8)
    m[y0:y1, x0:x1] = 255
    return m


def test_painted_layer_is_sparse_and_exact():
    layer = PaintedLayer(SIZE)
    assert layer.frames == [] and layer.nbytes == 0
    assert not layer.mask(7).any() and layer.mask(7).shape == (48, 64)
    m = _blob(10, 5, 30, 20)
    m[12, 40] = 1  # any non-zero value counts as masked
    layer.set(3, m)
    assert layer.frames == [3] and 3 in layer and layer.covers(3) and not layer.covers(4)
    got = layer.mask(3)
    assert got.dtype == np.uint8 and set(np.unique(got)) == {0, 255}
    assert int((got > 0).sum()) == 20 * 15 + 1
    assert np.array_equal(got > 0, m > 0)
    # bounding box 31 x 15 bits packed -> 59 bytes, far below the 3072-byte frame
    assert layer.nbytes == (31 * 15 + 7) // 8
    assert layer.digest(3) == mask_digest(got) == mask_digest(m)
    assert mask_digest(np.roll(got, 1, axis=1)) != mask_digest(got)
    layer.set(3, np.zeros((48, 64), np.uint8))
    assert layer.frames == []


def test_painted_layer_paint_and_erase():
    layer = PaintedLayer(SIZE)
    layer.paint(0, _blob(0, 0, 10, 10))
    layer.paint(0, _blob(5, 5, 15, 15))
    assert int((layer.mask(0) > 0).sum()) == 100 + 100 - 25
    layer.paint(0, _blob(0, 0, 10, 10), erase=True)
    assert int((layer.mask(0) > 0).sum()) == 100 - 25
    layer.clear()
    assert layer.frames == []


def test_painted_layer_rejects_wrong_size():
    with pytest.raises(MaskError, match="expected \\(48, 64\\)"):
        PaintedLayer(SIZE).set(0, np.zeros((10, 10), np.uint8))


def test_painted_layer_holds_real_masks_compactly():
    folder = shared_path("data", "clips", "schoolgirls", "masks")
    src = open_masks(folder, 80, (432, 240))
    layer = PaintedLayer((432, 240))
    for i in range(80):
        layer.set(i, src.mask(i))
    total = sum(int((layer.mask(i) > 0).sum()) for i in range(80))
    assert total == 884233
    assert layer.nbytes < 80 * 432 * 240 // 8  # less than a full bit-plane per frame


def test_rectangle_and_polygon_areas_and_range():
    rect = ShapeLayer.rectangle(SIZE, 4, 6, 20, 10, start=2, stop=5)
    assert int((rect.mask(2) > 0).sum()) == 200
    assert not rect.mask(1).any() and not rect.mask(5).any() and rect.mask(4).any()
    clipped = ShapeLayer.rectangle(SIZE, 50, 40, 30, 30)  # runs off the frame
    assert int((clipped.mask(0) > 0).sum()) == 14 * 8
    tri = ShapeLayer.polygon(SIZE, [(0, 0), (40, 0), (0, 40)])
    area = int((tri.mask(100) > 0).sum())
    assert 800 <= area <= 900  # 40*40/2 plus the rasterised edge
    with pytest.raises(MaskError):
        ShapeLayer.polygon(SIZE, [(0, 0), (1, 1)])
    with pytest.raises(MaskError):
        ShapeLayer.rectangle(SIZE, 0, 0, 0, 5)
    with pytest.raises(MaskError):
        ShapeLayer.rectangle(SIZE, 0, 0, 5, 5, start=4, stop=4)


def test_bitmap_shape_from_watermark():
    path = shared_path("data", "clips", "running_car", "watermark_mask.png")
    src = open_masks(path, 292, (972, 540))
    layer = ShapeLayer.from_bitmap(src.mask(0), start=10)
    assert layer.size == (972, 540)
    assert int((layer.mask(10) > 0).sum()) == 32732
    assert not layer.mask(9).any()


def test_stack_compose_union_visibility_dilation_order():
    stack = MaskStack(SIZE)
    painted = stack.add(PaintedLayer(SIZE, name="brush"))
    painted.set(1, _blob(0, 0, 10, 10))
    rect = stack.add(ShapeLayer.rectangle(SIZE, 5, 5, 10, 10, name="logo"))
    assert len(stack) == 2 and [layer.name for layer in stack] == ["brush", "logo"]
    c = stack.compose(1)
    assert c.dtype == np.uint8 and c.shape == (48, 64)
    assert int((c > 0).sum()) == 100 + 100 - 25
    assert int((stack.compose(0) > 0).sum()) == 100  # painted layer empty at frame 0
    rect.visible = False
    assert int((stack.compose(1) > 0).sum()) == 100
    assert not stack.compose(0).any() and not stack.covers(0)
    rect.visible = True
    rect.dilation = 2
    grown = grow_mask(_blob(5, 5, 15, 15), 2)
    assert int((stack.compose(0) > 0).sum()) == int((grown > 0).sum()) == 100 + 4 * 10 * 2 + 4  # cross: one diagonal pixel per corner
    stack.move(rect, 0)
    assert [layer.name for layer in stack] == ["logo", "brush"]
    stack.remove(rect.id)
    assert len(stack) == 1 and np.array_equal(stack.mask(1), _blob(0, 0, 10, 10))
    with pytest.raises(MaskError, match="32x32"):
        stack.add(PaintedLayer((32, 32)))


def test_mask_settings_grow_and_feather():
    m = _blob(20, 20, 30, 30)
    s = MaskSettings(grow=None, feather=0)
    assert s.grow_for(4) == 4
    assert int((s.engine_mask(m, engine_default=4) > 0).sum()) == int((grow_mask(m, 4) > 0).sum())
    assert int((MaskSettings(grow=0).engine_mask(m, 4) > 0).sum()) == 100
    a = MaskSettings(feather=4).alpha(m)
    assert a.dtype == np.float32 and a[25, 25] == 1.0 and a[25, 35] == 0.0
    assert 0.0 < a[25, 31] < 1.0
    hard = MaskSettings(feather=0).alpha(m)
    assert float(hard.sum()) == 100.0
    with pytest.raises(MaskError):
        MaskSettings(grow=-1)
