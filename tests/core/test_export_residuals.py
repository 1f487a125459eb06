"""Residual aggregation on synthetic data: geometry, temporal recovery of true detail under a pan,
spatial recovery of regular texture, and untouched pixels outside the feathered hole."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inpaint_core.engines.base import Engine, Filled, FlowCorrespondence
from inpaint_core.engines.telea import TeleaEngine
from inpaint_core.export import fill_full_res
from inpaint_core.export.residuals import Geometry, bbox, laplacian_energy
from inpaint_core.export.spatial import SpatialOptions, patch_size, spatial_residual


class OracleEngine(Engine):
    """Fills with the true working-size frames (what a perfect low-resolution engine would give),
    optionally reporting a flow correspondence naming a source frame."""

    name = "oracle"
    default_grow = 1

    def __init__(self, truth_small, corr_frame=None):
        self.truth = truth_small
        self.corr_frame = corr_frame

    def run(self, clip, frames=None, priority=None):
        for i in frames if frames is not None else range(clip.frame_count):
            corr = None
            if self.corr_frame is not None:
                h, w = clip.mask(i).shape
                sf = np.where(clip.mask(i) > 0, self.corr_frame(i), -1).astype(np.int32)
                corr = FlowCorrespondence(sf, np.zeros((h, w, 2), np.float32))
            yield Filled(i, self.truth[i], corr)


def texture(h, w, seed=0):
    """A sharp random texture (uint8 RGB) with energy at all frequencies."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(0, 255, (h // 4, w // 4, 3)).astype(np.float32)
    img = cv2.resize(base, (w, h), interpolation=cv2.INTER_CUBIC)
    img += rng.normal(0, 25, (h, w, 3)).astype(np.float32)
    return np.clip(cv2.GaussianBlur(img, (0, 0), 0.6), 0, 255).astype(np.uint8)


def pan_clip(n=24, size=(320, 192), step=(1.77, 0.43), seed=0):
    W, H = size
    big = texture(H + 80, W + 120, seed)
    frames = []
    for i in range(n):
        m = np.float32([[1, 0, 4 + step[0] * i], [0, 1, 4 + step[1] * i]])
        frames.append(cv2.warpAffine(big, m, (W, H), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP))
    return frames


def hole_mask(size=(320, 192)):
    W, H = size
    m = np.zeros((H, W), np.uint8)
    m[80:96, 150:170] = 255
    return m


def in_hole_psnr(out, truth, mask):
    d = (out.astype(np.float64) - truth.astype(np.float64))[mask > 0]
    return 10 * np.log10(255.0 ** 2 / (d ** 2).mean())


def test_geometry_residual_restores_source_exactly():
    f = texture(90, 160)
    g = Geometry((160, 90), (80, 45))
    small = g.down(f)
    assert small.shape == (45, 80, 3)
    r = g.residual(f, small)
    np.testing.assert_allclose(g.up(small) + r, f.astype(np.float32), atol=1e-3)
    # a sub-rectangle of the upsized image equals the same crop of the whole upsized image
    np.testing.assert_allclose(g.up(small, (30, 20, 70, 61)), g.up(small)[20:61, 30:70], atol=1e-4)


def test_geometry_pad_mode_letterboxes():
    g = Geometry((200, 100), (100, 100), mode="pad")
    assert g.inner == (0, 25, 100, 50)
    f = texture(100, 200)
    small = g.down(f)
    assert small.shape == (100, 100, 3)
    assert g.down_mask(np.full((100, 200), 255, np.uint8))[:25].max() == 0
    np.testing.assert_allclose(g.up(small) + g.residual(f, small), f.astype(np.float32), atol=1e-3)


def test_bbox_and_laplacian_energy():
    m = np.zeros((20, 30), np.uint8)
    m[5:8, 10:12] = 255
    assert bbox(m) == (10, 5, 12, 8)
    assert bbox(m, margin=20) == (0, 0, 30, 20)
    assert bbox(np.zeros((4, 4), np.uint8)) is None
    flat = np.full((20, 30, 3), 100, np.uint8)
    assert laplacian_energy(flat) == 0.0
    assert laplacian_energy(texture(32, 32)) > 100


@pytest.mark.parametrize("mode", ["none", "temporal", "spatial", "both"])
def test_outside_feathered_hole_is_bit_identical(mode):
    frames = pan_clip(n=8)
    mask = hole_mask()
    out = fill_full_res(frames, [mask] * 8, TeleaEngine(), (160, 96), mode, grow=2, feather_radius=3,
                        targets=[2, 5])
    reach = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=2 + 3 + 1)
    for k, i in enumerate([2, 5]):
        assert out[k].dtype == np.uint8 and out[k].shape == frames[i].shape
        np.testing.assert_array_equal(out[k][reach == 0], frames[i][reach == 0])
        assert not np.array_equal(out[k][mask > 0], frames[i][mask > 0])  # the hole was filled


def none_and_temporal(frames, mask, eng, targets):
    """The ``none`` and ``temporal`` outputs of ``targets`` of a 320x192 clip filled at 160x96."""
    fills = {}
    return [fill_full_res(frames, [mask] * len(frames), eng, (160, 96), mode, grow=0, feather_radius=1,
                          fills=fills, targets=targets) for mode in ("none", "temporal")]


def test_temporal_aggregation_recovers_true_detail_under_a_pan():
    frames = pan_clip()
    mask = hole_mask()
    g = Geometry((320, 192), (160, 96))
    eng = OracleEngine([g.down(f) for f in frames])
    targets = [10, 12]
    none, temp = none_and_temporal(frames, mask, eng, targets)
    for k, i in enumerate(targets):
        p_none = in_hole_psnr(none[k], frames[i], mask)
        p_temp = in_hole_psnr(temp[k], frames[i], mask)
        assert p_temp > p_none + 4.0, (p_none, p_temp)
        # the restored detail is the true detail: residuals correlate strongly
        true_r = g.residual(frames[i])[mask > 0]
        got_r = temp[k].astype(np.float32)[mask > 0] - none[k].astype(np.float32)[mask > 0]
        corr = float((true_r * got_r).sum() / np.sqrt((true_r ** 2).sum() * (got_r ** 2).sum()))
        assert corr > 0.8, corr
        hf_true = laplacian_energy(frames[i], mask)
        assert abs(laplacian_energy(temp[k], mask) - hf_true) < 0.3 * abs(laplacian_energy(none[k], mask) - hf_true)


def test_temporal_aggregation_corrects_a_fill_whose_low_frequencies_are_off():
    """An engine fill that is too bright inside the hole (a low-frequency error, which residuals
    alone cannot fix) is pulled to the trusted references' colours where they show the hole."""
    frames = pan_clip()
    mask = hole_mask()
    g = Geometry((320, 192), (160, 96))
    small_hole = g.down_mask(mask) > 0
    biased = []
    for f in frames:
        s = g.down(f).astype(np.int16)
        s[small_hole] += 18
        biased.append(np.clip(s, 0, 255).astype(np.uint8))
    eng = OracleEngine(biased)
    targets = [10, 12]
    none, temp = none_and_temporal(frames, mask, eng, targets)
    for k, i in enumerate(targets):
        hole = mask > 0
        bias_none = float((none[k].astype(np.float32) - frames[i])[hole].mean())
        bias_temp = float((temp[k].astype(np.float32) - frames[i])[hole].mean())
        assert bias_none > 12, bias_none
        assert abs(bias_temp) < 0.25 * bias_none, (bias_none, bias_temp)
        assert in_hole_psnr(temp[k], frames[i], mask) > in_hole_psnr(none[k], frames[i], mask) + 6


def test_reference_choice_reaches_far_frames_and_follows_engine_correspondence():
    from inpaint_core.export.frames import FrameStore
    from inpaint_core.export.temporal import FlowCache, TemporalOptions, select_references

    frames = pan_clip()
    mask = hole_mask()
    g = Geometry((320, 192), (160, 96))
    store = FrameStore(g, 0, 1, [(0, 24)])
    for i, f in enumerate(frames):
        store.add(i, f, mask)
    opts = TemporalOptions()
    refs = select_references(5, store, FlowCache(store, opts), opts)
    # neighbours 1-3 frames away still hide most of the 20 px hole: the picks are >= 10 frames away
    assert refs and min(abs(r - 5) for r in refs) >= 10, refs
    near = TemporalOptions(offsets=(1,))
    assert 19 not in select_references(5, store, FlowCache(store, near), near)
    corr = FlowCorrespondence(np.where(store[5].hole_small > 0, 19, -1).astype(np.int32),
                              np.zeros((96, 160, 2), np.float32))
    assert 19 in select_references(5, store, FlowCache(store, near), near, corr)


def test_spatial_aggregation_recovers_regular_texture():
    g = Geometry((320, 192), (160, 96))
    p = patch_size(g)
    period = p // 2
    yy, xx = np.mgrid[0:192, 0:320]
    pattern = 128 + 90 * np.sin(2 * np.pi * xx / period) * np.cos(2 * np.pi * yy / period)
    f = np.repeat(pattern[..., None], 3, axis=2).clip(0, 255).astype(np.uint8)
    small = g.down(f)
    mask = hole_mask()
    own = g.residual(f, small)
    r = spatial_residual(g.up(small), own, mask, g, SpatialOptions())
    m = mask > 0
    err_none = float((own[m] ** 2).mean())
    err_sp = float(((own - r)[m] ** 2).mean())
    assert err_sp < 0.2 * err_none, (err_none, err_sp)
    assert not r[cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=p) == 0].any()


def test_unknown_residual_mode_is_rejected():
    with pytest.raises(ValueError, match="residuals"):
        fill_full_res(pan_clip(n=2), [hole_mask()] * 2, TeleaEngine(), (160, 96), "sharpen")
