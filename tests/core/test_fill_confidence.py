"""The carried spatial fill blended with the frame's own: only unsourced hole pixels change."""

import cv2
import numpy as np

from inpaint_core.engines.base import Filled
from inpaint_core.engines.confidence import blend_unsourced
from inpaint_core.engines.propagate import PropagateEngine, spatial_fill
from inpaint_core.jobs import run_job


def test_blend_changes_only_unsourced_hole_pixels():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (40, 60, 3), dtype=np.uint8)
    hole = np.zeros((40, 60), bool)
    hole[10:30, 20:40] = True
    src = np.full((40, 60), -1, np.int32)
    src[10:20, 20:40] = 5  # the top half came from frame 5
    rgb = frame.copy()
    rgb[hole] = 0
    before = rgb.copy()
    n = blend_unsourced(rgb, frame, hole, src, 0.5, spatial_fill)
    own = spatial_fill(frame, hole)
    assert n == 200
    assert np.array_equal(rgb[~hole], before[~hole]) and np.array_equal(rgb[10:20], before[10:20])
    expect = np.clip(0.5 * own[20:30, 20:40].astype(np.float32) + 0.5, 0, 255).astype(np.uint8)
    assert np.abs(rgb[20:30, 20:40].astype(int) - expect).max() <= 1
    assert blend_unsourced(rgb, frame, hole, src, 0.0, spatial_fill) == 0


def test_engine_option_blends_never_revealed_pixels():
    """A pan with a hole no frame reveals in its centre: the blend moves the fill towards each
    frame's own Telea fill, and leaves the pixels outside the hole alone."""
    from inpaint_core.clipsource import ArrayClipSource

    rng = np.random.default_rng(1)
    world = cv2.GaussianBlur(rng.integers(0, 255, (64, 140, 3), dtype=np.uint8), (0, 0), 2)
    frames = np.stack([world[:, 2 * t:2 * t + 96] for t in range(8)])
    masks = np.zeros((8, 64, 96), np.uint8)
    masks[:, 12:52, 20:76] = 255  # wider than the pan: its centre is never revealed
    out = {}
    for w in (0.0, 0.5):
        eng = PropagateEngine(spatial_blend=w, completion="laplace")
        got = {}
        run_job(eng.run(ArrayClipSource(frames, masks)),
                lambda e, got=got: got.__setitem__(e.index, e.rgb) if isinstance(e, Filled) else None)
        out[w] = np.stack([got[i] for i in range(8)])
    hole = masks > 0
    assert np.array_equal(out[0.0][~hole], frames[~hole]) and np.array_equal(out[0.5][~hole], frames[~hole])
    assert (out[0.0] != out[0.5]).any()
