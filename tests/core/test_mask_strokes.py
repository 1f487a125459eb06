"""Stroke-adaptive mask growth: thin strokes keep their outline, blobs get the full margin, and the
export's default growth (not an explicit one) uses the rule."""

import cv2
import numpy as np

from inpaint_core.engines.propagate import PropagateEngine
from inpaint_core.export.frames import FrameStore
from inpaint_core.export.pipeline import default_grow
from inpaint_core.export.residuals import Geometry
from inpaint_core.masks.ops import grow_mask
from inpaint_core.masks.strokes import AdaptiveGrow, adaptive_grow


def _mask() -> np.ndarray:
    m = np.zeros((80, 120), np.uint8)
    m[19:22, 10:100] = 255  # a 3-pixel stroke
    cv2.rectangle(m, (20, 40), (60, 70), 255, -1)  # a 41x31 blob
    return m


def test_thin_strokes_keep_their_outline_blobs_grow_fully():
    m = _mask()
    out = adaptive_grow(m, 3)
    assert ((out > 0) >= (m > 0)).all()  # covers the mask
    line_band = (slice(10, 31), slice(0, 120))
    assert np.array_equal(out[line_band], m[line_band])  # the 3-pixel stroke did not grow
    blob = np.zeros_like(m)
    cv2.rectangle(blob, (20, 40), (60, 70), 255, -1)
    full = grow_mask(blob, 3)
    rows = slice(34, 80)
    assert np.array_equal(out[rows], full[rows])  # the blob grew by the full 3 pixels, corners too


def test_min_grow_and_zero_growth():
    m = _mask()
    assert np.array_equal(adaptive_grow(m, 0), m)
    one = adaptive_grow(m, 3, min_grow=1)
    assert np.array_equal(one[10:31], grow_mask(m, 1)[10:31])


def test_export_default_growth_is_adaptive_explicit_growth_uniform():
    geom = Geometry((120, 80), (120, 80), "stretch")
    g = default_grow(PropagateEngine(), geom)
    assert isinstance(g, AdaptiveGrow) and int(g) == 1
    m = _mask()
    line = (slice(10, 31), slice(0, 120))
    auto = FrameStore(geom, g, 2, [(0, 1)]).make(np.zeros((80, 120, 3), np.uint8), m)
    assert np.array_equal(auto.hole[line], m[line])
    assert np.array_equal(auto.hole_small[line], m[line])  # the engine's own growth adapts too
    fixed = FrameStore(geom, 1, 2, [(0, 1)]).make(np.zeros((80, 120, 3), np.uint8), m)
    assert np.array_equal(fixed.hole, grow_mask(m, 1))
    assert np.array_equal(fixed.hole_small, grow_mask(grow_mask(m, 1), 2))
