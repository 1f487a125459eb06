"""Metrics against known values, and the synthetic mask generators."""

import cv2
import numpy as np
import pytest

from inpaint_core import flow, metrics
from inpaint_core.bench.masks import MASK_TYPES, area_ratio, bezier_contour, generate_masks


def _texture(h=64, w=80, seed=0):
    """A smooth but richly textured RGB image (good for optical flow)."""
    rng = np.random.default_rng(seed)
    noise = rng.random((h, w, 3)).astype(np.float32)
    img = cv2.GaussianBlur(noise, (0, 0), 2.0)
    img = (img - img.min()) / (img.max() - img.min())
    return (img * 255).astype(np.uint8)


def test_identical_images_give_inf_psnr_and_unit_ssim():
    a = _texture()
    hole = np.zeros(a.shape[:2], np.uint8)
    hole[10:30, 20:40] = 255
    assert metrics.psnr(a, a) == float("inf")
    assert metrics.psnr(a, a, hole) == float("inf")
    assert metrics.ssim(a, a) == pytest.approx(1.0, abs=1e-12)
    assert metrics.ssim(a, a, hole) == pytest.approx(1.0, abs=1e-12)
    assert metrics.ssim(a, a, luma=True) == pytest.approx(1.0, abs=1e-12)


def test_constant_offset_gives_exact_psnr():
    a = np.full((20, 30, 3), 100, np.uint8)
    b = a + np.uint8(5)
    # mse = 25 -> 10 log10(255^2 / 25)
    assert metrics.psnr(a, b) == pytest.approx(10 * np.log10(255**2 / 25), abs=1e-12)
    # the offset only inside the hole: whole-frame PSNR is higher, in-hole PSNR is the exact value
    c = a.copy()
    hole = np.zeros((20, 30), np.uint8)
    hole[5:10, 5:15] = 255  # 50 of 600 pixels
    c[hole > 0] = 110
    assert metrics.psnr(a, c, hole) == pytest.approx(10 * np.log10(255**2 / 100), abs=1e-12)
    assert metrics.psnr(a, c) == pytest.approx(10 * np.log10(255**2 / (100 * 50 / 600)), abs=1e-12)
    assert np.isnan(metrics.psnr(a, c, np.zeros((20, 30), np.uint8)))


def test_ssim_drops_with_noise_and_matches_closed_form_for_constant_images():
    a = _texture()
    rng = np.random.default_rng(1)
    noisy = np.clip(a.astype(int) + rng.integers(-40, 41, a.shape), 0, 255).astype(np.uint8)
    s = metrics.ssim(a, noisy)
    assert 0 < s < 0.9
    # constant images: variance terms vanish, SSIM = (2 mu_a mu_b + C1) / (mu_a^2 + mu_b^2 + C1)
    x, y = np.full((32, 32, 3), 100, np.uint8), np.full((32, 32, 3), 120, np.uint8)
    c1 = (0.01 * 255) ** 2
    assert metrics.ssim(x, y) == pytest.approx((2 * 100 * 120 + c1) / (100**2 + 120**2 + c1), rel=1e-9)


def test_ssim_in_hole_sees_only_the_hole():
    a = _texture()
    b = a.copy()
    b[:, :40] = 255 - b[:, :40]  # damage the left half only
    right = np.zeros(a.shape[:2], np.uint8)
    right[:, 52:] = 255  # more than the 5-pixel window radius away from the damage
    assert metrics.ssim(a, b, right) == pytest.approx(1.0, abs=1e-9)
    left = np.zeros(a.shape[:2], np.uint8)
    left[:, :30] = 255
    assert metrics.ssim(a, b, left) < 0.5


def test_warping_error_is_zero_for_the_true_shift_and_positive_otherwise():
    big = _texture(80, 110)
    d = 3
    a = big[8:72, 10:100]
    b = big[8:72, 10 - d:100 - d]  # b[x] = a[x - d]: the content moved right by d pixels
    h, w = a.shape[:2]
    fwd = np.zeros((h, w, 2), np.float32)
    fwd[..., 0] = d
    bwd = -fwd
    err, n = metrics.warping_error_pair(a, b, fwd, bwd)
    assert n > 0.8 * h * w  # only the columns leaving the image are excluded
    assert err == pytest.approx(0.0, abs=1e-12)
    zero = np.zeros_like(fwd)
    wrong, n0 = metrics.warping_error_pair(a, b, zero, zero)
    assert n0 == h * w and wrong > 1e-3
    # with the flow estimated on the frames themselves (the bench's path) it is also near zero
    est = metrics.warping_error([a, b])
    assert est < 0.1 * wrong


def test_warping_error_excludes_pixels_failing_the_cycle_test():
    a = _texture(48, 64)
    b = 255 - a
    fwd = np.zeros((48, 64, 2), np.float32)
    bwd = np.full_like(fwd, 5.0)  # inconsistent: every pixel fails the cycle test
    assert not flow.cycle_valid(fwd, bwd).any()
    err, n = metrics.warping_error_pair(a, b, fwd, bwd)
    assert n == 0 and np.isnan(err)


def test_flicker_counts_changes_the_truth_does_not_have():
    n, h, w = 4, 16, 16
    truth = [np.full((h, w, 3), 100, np.uint8) for _ in range(n)]
    masks = [np.zeros((h, w), np.uint8) for _ in range(n)]
    for m in masks:
        m[4:8, 4:8] = 255
    steady = [t.copy() for t in truth]
    for f in steady:
        f[4:8, 4:8] = 130  # a constant (static) error is not flicker
    assert metrics.flicker(steady, masks, truth) == 0.0
    flick = [t.copy() for t in truth]
    for i, f in enumerate(flick):
        f[4:8, 4:8] = 100 + 10 * (i % 2)  # alternates 100, 110, 100, 110
    assert metrics.flicker(flick, masks, truth) == pytest.approx(10.0)
    assert metrics.flicker(flick, masks) == pytest.approx(10.0)


def test_clip_scores_keys_and_values():
    truth = [_texture(seed=i) for i in range(3)]
    masks = [np.zeros((64, 80), np.uint8) for _ in range(3)]
    for m in masks:
        m[20:40, 20:50] = 255
    res = [t.copy() for t in truth]
    for r in res:
        r[masks[0] > 0] = 0
    s = metrics.clip_scores(res, truth, masks, warp=False)
    assert set(s) == {"psnr", "psnr_hole", "ssim", "ssim_hole", "warp_error", "warp_error_hole",
                      "warp_error_self", "flicker"}
    assert s["psnr_hole"] < s["psnr"] < 60
    assert s["ssim_hole"] < s["ssim"] < 1
    assert np.isnan(s["warp_error"]) and np.isnan(s["warp_error_hole"]) and np.isnan(s["warp_error_self"])


def test_in_hole_warping_error_sees_only_the_hole():
    big = _texture(80, 110)
    frames = [np.ascontiguousarray(big[8:72, 10 + 2 * i:100 + 2 * i]) for i in range(3)]
    masks = [np.zeros((64, 90), np.uint8) for _ in range(3)]
    for m in masks:
        m[20:40, 30:60] = 255
    clean_all, clean_hole = metrics.warping_errors(frames)[0], metrics.warping_errors(frames, masks)[1]
    broken = [f.copy() for f in frames]
    broken[1][20:40, 30:60] = 255 - broken[1][20:40, 30:60]  # a fill that flashes in frame 1
    b_all, b_hole = metrics.warping_errors(broken, masks)
    assert b_hole > 10 * max(clean_hole, 1e-6)
    assert b_hole > b_all > clean_all  # diluted over the whole frame
    assert metrics.warping_error(broken, masks) == b_hole and metrics.warping_error(broken) == b_all


# ---- synthetic masks -------------------------------------------------------------------------

@pytest.mark.parametrize("kind", MASK_TYPES)
@pytest.mark.parametrize("area", [(0.05, 0.15), (0.2, 0.3)])
def test_generators_hit_the_area_range(kind, area):
    for seed in (0, 1, 2):
        m = generate_masks(kind, 12, (160, 96), seed=seed, area=area)
        assert m.shape == (12, 96, 160) and m.dtype == np.uint8
        assert set(np.unique(m)) <= {0, 255}
        ratios = [area_ratio(x) for x in m]
        assert min(ratios) >= area[0] and max(ratios) <= area[1], (kind, seed, ratios)


@pytest.mark.parametrize("kind", MASK_TYPES)
def test_generators_are_seeded(kind):
    a = generate_masks(kind, 6, (120, 80), seed=7)
    b = generate_masks(kind, 6, (120, 80), seed=7)
    c = generate_masks(kind, 6, (120, 80), seed=8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_stationary_is_stationary_and_moving_masks_move():
    s = generate_masks("stationary", 5, (120, 80), seed=3)
    assert all(np.array_equal(s[0], x) for x in s)
    for kind in ("curve", "object", "box"):
        m = generate_masks(kind, 20, (120, 80), seed=3)
        assert not np.array_equal(m[0], m[-1]), kind


def test_bezier_contour_is_closed_around_the_centre():
    pts = bezier_contour(np.random.default_rng(0), edges=9, ratio=0.7)
    r = np.linalg.norm(pts, axis=1)
    assert len(pts) == 9 * 12
    assert r.min() > 0 and r.max() < 2.0
    ang = np.unwrap(np.arctan2(pts[:, 1], pts[:, 0]))
    assert ang[-1] - ang[0] > 1.8 * np.pi  # goes once around


def test_generator_rejects_bad_requests():
    with pytest.raises(ValueError, match="unknown mask type"):
        generate_masks("blob", 3, (64, 64))
    with pytest.raises(ValueError, match="area range"):
        generate_masks("box", 3, (64, 64), area=(0.3, 0.1))


def test_warping_error_follows_the_true_motion_so_a_smeared_fill_cannot_hide():
    """Along the ground truth's flow (Lai et al.), a fill that stands still while the scene pans is
    penalised; estimated on the result, its flow fails the cycle test there and hides it."""
    big = _texture(96, 150)
    truth = [np.ascontiguousarray(big[8:88, 10 + 3 * i:110 + 3 * i]) for i in range(5)]
    masks = [np.zeros((80, 100), np.uint8) for _ in range(5)]
    for m in masks:
        m[25:55, 35:70] = 255
    blur = [t.copy() for t in truth]
    for b in blur:  # a smooth fill that does not move with the scene
        b[25:55, 35:70] = cv2.blur(b, (31, 31))[25:55, 35:70]
    flows = metrics.reference_flows(truth)
    assert len(flows) == 4
    t_all, t_hole = metrics.warping_errors(truth, masks, flows=flows)
    b_all, b_hole = metrics.warping_errors(blur, masks, flows=flows)
    assert t_hole < 0.2 * b_hole and t_all < b_all
    s = metrics.clip_scores(blur, truth, masks)
    assert s["warp_error"] == pytest.approx(b_all) and s["warp_error_hole"] == pytest.approx(b_hole)
    assert s["warp_error_self"] == pytest.approx(metrics.warping_errors(blur)[0])
    with pytest.raises(ValueError, match="flows"):
        metrics.warping_errors(blur, masks, flows=flows[:2])
