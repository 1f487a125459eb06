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



def test_steady_mean_averages_spatial_fills_with_neighbours_only():
    """Each frame's spatially filled pixels become the mean over t - 1, t, t + 1 where those were
    filled spatially or are known (a seed); other pixels, and frames not wanted, are left alone."""
    from inpaint_core.engines.confidence import steady_mean

    canvas = [np.full((4, 5, 3), 10.0 * t, np.float32) for t in range(4)]
    spatial = {t: np.zeros((4, 5), bool) for t in (1, 2, 3)}
    for m in spatial.values():
        m[1:3, 1:4] = True
    known = {0: np.ones((4, 5), bool)}  # frame 0: a seed from the chunk before
    n = steady_mean(canvas, spatial, known, [1, 2, 3])
    assert n == 18
    assert np.allclose(canvas[1][1:3, 1:4], 10.0) and np.allclose(canvas[2][1:3, 1:4], 20.0)
    assert np.allclose(canvas[3][1:3, 1:4], 25.0)  # no frame 4: the mean of 20 (the old 2) and 30
    assert np.allclose(canvas[1][0], 10.0) and np.allclose(canvas[0], 0.0)


def _still_noisy_clip(noise: float, n: int = 10):
    rng = np.random.default_rng(3)
    base = cv2.GaussianBlur(rng.integers(0, 255, (64, 96, 3), dtype=np.uint8), (0, 0), 3).astype(np.float32)
    frames = np.stack([np.clip(base + rng.normal(0, noise, base.shape), 0, 255).astype(np.uint8) for _ in range(n)])
    masks = np.zeros((n, 64, 96), np.uint8)
    masks[:, 18:46, 30:66] = 255  # a still hole in a still shot: no frame reveals it
    return frames, masks


def _fill(eng, frames, masks):
    from inpaint_core.clipsource import ArrayClipSource

    got = {}
    run_job(eng.run(ArrayClipSource(frames, masks)),
            lambda e: got.__setitem__(e.index, e.rgb) if isinstance(e, Filled) else None)
    return np.stack([got[i] for i in range(len(frames))]).astype(np.float32)


def test_still_hole_fill_starts_from_the_real_ring_and_does_not_flicker():
    """Nothing revealed: on a still, noise-free shot every frame's fill is Telea's from the real
    pixels around the hole (the engine's seam ring is not invented first); with sensor noise the
    fills are averaged over 3 frames, so they flicker far less than per-frame Telea's, and score at
    least as well in the hole. ``steady=0`` (the earlier fill) does neither."""
    from inpaint_core.engines.telea import TeleaEngine

    frames, masks = _still_noisy_clip(0.0)
    hole = masks > 0
    telea = _fill(TeleaEngine(), frames, masks)
    assert np.abs(_fill(PropagateEngine(), frames, masks) - telea)[hole].max() <= 1
    assert np.abs(_fill(PropagateEngine(steady=0), frames, masks) - telea)[hole].max() > 2

    frames, masks = _still_noisy_clip(6.0)
    out = {k: _fill(e, frames, masks) for k, e in (("new", PropagateEngine()), ("old", PropagateEngine(steady=0)),
                                                    ("telea", TeleaEngine()))}
    flicker = {k: float(np.abs(np.diff(o, axis=0))[hole[1:]].mean()) for k, o in out.items()}
    mse = {k: float(((o - frames)[hole] ** 2).mean()) for k, o in out.items()}
    assert flicker["new"] < 0.5 * flicker["telea"] and flicker["old"] > 0.5 * flicker["telea"]
    assert mse["new"] <= mse["telea"]
