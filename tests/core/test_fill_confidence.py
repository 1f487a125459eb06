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


def test_cap_texture_tones_down_patchwork_sharper_than_the_ring():
    """A fill of salt-and-pepper patchwork inside a gently textured picture is pulled toward the
    smooth fill until its Laplacian energy is about k times the ring's; a fill no sharper than its
    ring, and the pixels outside the hole, are left alone."""
    from inpaint_core.engines.confidence import cap_texture, laplacian_energy

    rng = np.random.default_rng(2)
    frame = cv2.GaussianBlur(rng.integers(0, 255, (80, 100, 3), dtype=np.uint8), (0, 0), 1.5)
    hole = np.zeros((80, 100), bool)
    hole[25:55, 30:70] = True
    smooth = spatial_fill(frame, hole)
    rgb = frame.copy()
    rgb[hole] = rng.integers(0, 255, (int(hole.sum()), 3), dtype=np.uint8)  # misregistered patchwork
    ring = (cv2.dilate(hole.astype(np.uint8), np.ones((17, 17), np.uint8)) > 0) & \
        ~(cv2.dilate(hole.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    e_ring = laplacian_energy(frame)[ring].mean()
    inner = np.zeros_like(hole)
    inner[28:52, 33:67] = True  # away from the hole's edge (the stencil reads the ring there)
    assert laplacian_energy(rgb)[inner].mean() > 20 * e_ring
    outside = rgb[~hole].copy()
    n = cap_texture(rgb, hole, smooth, k=1.0)
    assert n == hole.sum()
    assert np.array_equal(rgb[~hole], outside)
    e_after = laplacian_energy(rgb)[inner].mean()
    assert 0.5 * e_ring < e_after < 2.0 * e_ring
    # the fill's structure follows the smooth fill now: far nearer to it than the patchwork was
    assert np.abs(rgb[hole].astype(int) - smooth[hole]).mean() < 25
    # a fill as smooth as its surroundings is not touched, nor anything with k = 0
    calm = smooth.copy()
    assert cap_texture(calm, hole, smooth, k=1.0) == 0 and np.array_equal(calm, smooth)
    again = frame.copy()
    again[hole] = 0
    assert cap_texture(again, hole, smooth, k=0.0) == 0

