"""The flow toolkit on synthetic motion: recovered translation, cycle validity at occlusions,
flow completion inside holes, warping."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inpaint_core import flow as F


def texture(h: int, w: int, seed: int = 0) -> np.ndarray:
    """Smooth random RGB texture (h, w, 3) uint8 with strong contrast (good for flow)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (h // 6 + 2, w // 6 + 2, 3)).astype(np.uint8)
    big = cv2.resize(small, (w + 12, h + 12), interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(big[6:6 + h, 6:6 + w])


def test_known_translation_is_recovered():
    big = texture(140, 180)
    a = np.ascontiguousarray(big[10:110, 10:150])
    b = np.ascontiguousarray(big[12:112, 7:147])  # content moves by (+3, -2)
    flow = F.compute_flow(a, b)
    inner = flow[15:-15, 15:-15].reshape(-1, 2)
    assert np.allclose(np.median(inner, 0), [3.0, -2.0], atol=0.15)
    # warping b back by the flow reproduces a
    back = F.warp(b, flow)
    assert np.abs(back[15:-15, 15:-15].astype(float) - a[15:-15, 15:-15]).mean() < 4


@pytest.mark.parametrize("preset", sorted(F.PRESETS))
def test_every_preset_runs(preset):
    big = texture(100, 120, 3)
    flow = F.compute_flow(big[:80, :100], big[:80, 2:102], preset, scale=0.5)
    assert flow.shape == (80, 100, 2) and flow.dtype == np.float32
    assert abs(float(np.median(flow[..., 0])) + 2.0) < 0.5


def test_cycle_test_rejects_occluded_pixels():
    bg = texture(120, 160, 1)
    fg = texture(40, 40, 2)
    a, b = bg.copy(), bg.copy()
    a[40:80, 40:80] = fg
    b[40:80, 48:88] = fg  # the square moves 8 px right and covers bg[40:80, 80:88]
    fwd, bwd = F.flow_pair(a, b)
    valid = F.cycle_valid(fwd, bwd, delta=1.0)
    occluded = valid[44:76, 81:87]
    far = valid[5:30, 5:150]
    assert occluded.mean() < 0.2
    assert far.mean() > 0.9


def test_cycle_error_is_zero_for_consistent_flows():
    fwd = np.full((20, 30, 2), (2.0, 1.0), np.float32)
    err = F.cycle_error(fwd, -fwd)
    assert err.max() < 1e-5
    valid = F.cycle_valid(fwd, -fwd)
    assert not valid[:, -2:].any()  # lands outside the image
    assert valid[:-2, :-3].all()


def test_laplace_completion_is_smooth():
    h, w = 40, 50
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    flow = np.stack([0.1 * xs, 0.05 * ys], 2)  # linear: harmonic, so reproduced exactly
    hole = np.zeros((h, w), bool)
    hole[10:30, 15:35] = True
    broken = flow.copy()
    broken[hole] = 50.0
    done = F.complete_flow(broken, hole)
    assert np.abs(done - flow).max() < 1e-3
    assert np.array_equal(done[~hole], flow[~hole])
    # the large-hole path (solved on a smaller grid) stays close
    done_small = F.complete_flow(broken, hole, max_pixels=100)
    assert np.abs(done_small - flow)[hole].max() < 0.2


def test_background_completion_ignores_a_passer_by():
    h, w = 60, 80
    flow = np.zeros((h, w, 2), np.float32)
    flow[..., 0] = 1.5  # camera pans
    hole = np.zeros((h, w), bool)
    hole[20:40, 30:50] = True
    flow[20:40, 50:58, 0] = 9.0  # a passer-by right of the hole
    lap = F.complete_flow(flow, hole, model="laplace")
    bg = F.complete_flow(flow, hole, model="background")
    assert np.abs(bg[hole] - [1.5, 0.0]).max() < 0.05
    assert lap[hole][:, 0].max() > 4.0  # harmonic completion is dragged along
    auto = F.complete_flow(flow, hole, model="auto")
    assert np.abs(auto[hole] - [1.5, 0.0]).max() < 0.05
    with pytest.raises(ValueError):
        F.complete_flow(flow, hole, model="nope")


def test_warp_mask_is_binary_and_shifted():
    m = np.zeros((30, 40), np.uint8)
    m[10:20, 10:20] = 255
    flow = np.full((30, 40, 2), (-3.0, 0.0), np.float32)
    out = F.warp_mask(m, flow)
    assert set(np.unique(out)) <= {0, 255}
    assert out[10:20, 13:23].all() and not out[10:20, 10:13].any()


def test_checked_completion_ignores_flow_pulled_toward_a_still_hole():
    # the camera moves 5 px right; DIS's forward flow is pulled to zero for 4 px around the hole
    # (a still logo's edges), the backward flow is not: those pixels fail the cycle test
    h, w = 80, 120
    hole = np.zeros((h, w), bool)
    hole[30:50, 50:70] = True
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9))
    pulled = (cv2.dilate(hole.astype(np.uint8), k) > 0) & ~hole
    fwd = np.zeros((h, w, 2), np.float32)
    fwd[..., 0] = 5.0
    fwd[pulled | hole] = 0.0
    bwd = np.zeros((h, w, 2), np.float32)
    bwd[..., 0] = -5.0
    bwd[hole] = 0.0
    plain = F.complete_flow(fwd, hole, model="laplace")
    checked = F.complete_checked(fwd, bwd, hole, 8, model="laplace")
    assert float(np.abs(plain[hole, 0]).max()) < 0.5  # the pulled ring is all it sees
    assert np.allclose(checked[hole, 0], 5.0, atol=0.2)
    assert np.array_equal(checked[~(hole | pulled)], fwd[~(hole | pulled)])  # trusted flow kept
    # consistent flow around the hole: the same as the plain completion
    fwd2 = np.zeros((h, w, 2), np.float32)
    fwd2[..., 0] = 5.0
    assert np.allclose(F.complete_checked(fwd2, -fwd2, hole, 8, model="laplace"),
                       F.complete_flow(fwd2, hole, model="laplace"))
