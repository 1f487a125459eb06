"""The fast restore stage: work confined to the hole's rectangle gives what whole-frame work gives,
the source stays untouched outside the feathered hole, the torch path (run here on torch's CPU)
matches the numpy/OpenCV one, neighbouring frames reuse their reference choice, and each restore
step's seconds are reported."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inpaint_core.engines.telea import TeleaEngine
from inpaint_core.errors import VanishError
from inpaint_core.export import fill_full_res
from inpaint_core.export.completion import fill_smooth, fill_smooth_exact
from inpaint_core.export.device import resolve_device
from inpaint_core.export.frames import FrameStore
from inpaint_core.export.pipeline import RestoreOptions, restore_frame
from inpaint_core.export.residuals import Geometry
from inpaint_core.export.roi import add_tiles, grow_in_box
from inpaint_core.export.temporal import FlowCache, TemporalOptions, select_references
from inpaint_core.masks.ops import grow_mask

from .test_export_residuals import OracleEngine, hole_mask, in_hole_psnr, pan_clip

STEPS = {"restore.resize", "restore.references", "restore.flow_coarse", "restore.flow_fine",
         "restore.warp", "restore.aggregate", "restore.spatial", "restore.composite"}


def _store(frames, mask, geom, grow=2):
    store = FrameStore(geom, grow, 1, [(0, len(frames))])
    for i, f in enumerate(frames):
        store.add(i, f, mask)
    return store


@pytest.mark.parametrize("iterations,kernel", [(1, "cross"), (5, "cross"), (3, "square"), (0, "cross")])
def test_grow_in_box_equals_whole_frame_growth(iterations, kernel):
    m = np.zeros((90, 120), np.uint8)
    m[0:6, 100:120] = 255      # touches two frame edges
    m[40:50, 30:33] = 255
    m[70, 60] = 255
    np.testing.assert_array_equal(grow_in_box(m, iterations, kernel), grow_mask(m, iterations, kernel))
    assert not grow_in_box(np.zeros((8, 8), np.uint8), 3).any()


def test_add_tiles_equals_one_by_one():
    rng = np.random.default_rng(1)
    p = 8
    ys = np.array([0, 4, 8, 4, 12, 13, 0])   # 13: off the half-step grid (the last row of a search area)
    xs = np.array([0, 0, 4, 8, 12, 2, 20])
    tiles = rng.normal(size=(len(ys), p, p, 3)).astype(np.float32)
    got = np.zeros((24, 32, 3), np.float32)
    add_tiles(got, tiles, ys, xs)
    want = np.zeros_like(got)
    for t, y, x in zip(tiles, ys, xs):
        want[y:y + p, x:x + p] += t
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_reduced_smoothing_is_close_to_the_exact_one():
    h, w = 160, 220
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    field = np.dstack([np.sin(xx / 40) * 3 + yy / 30, np.cos(yy / 50) * 2]).astype(np.float32)
    bad = np.zeros((h, w), np.uint8)
    cv2.ellipse(bad, (110, 80), (90, 60), 0, 0, 360, 1, -1)
    bad = bad > 0
    exact, fast = fill_smooth_exact(field, bad), fill_smooth(field, bad)
    np.testing.assert_array_equal(fast[~bad], field[~bad])
    assert float(np.abs(fast - exact)[bad].mean()) < 0.1  # flow pixels; the field spans ~8


def test_roi_restore_equals_whole_frame_restore_in_the_hole_and_the_source_outside():
    frames = pan_clip(n=20)
    mask = hole_mask()
    g = Geometry((320, 192), (160, 96))
    eng = OracleEngine([g.down(f) for f in frames])
    fills: dict = {}
    targets = [9, 10]
    store = _store(frames, mask, g)
    fill_full_res(frames, [mask] * 20, eng, (160, 96), "none", grow=2, fills=fills, targets=[])
    outs = {}
    for roi in (True, False):
        opts = RestoreOptions(residuals="temporal", feather=3, device="cpu",
                              temporal=TemporalOptions(roi=roi))
        flows = FlowCache(store, opts.temporal)
        outs[roi] = [restore_frame(i, fills[i][0], store, flows, opts, fills[i][1]) for i in targets]
    reach = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=2 + 3 + 1) > 0
    for k, i in enumerate(targets):
        a, b = outs[True][k], outs[False][k]
        np.testing.assert_array_equal(a[~reach], frames[i][~reach])
        np.testing.assert_array_equal(b[~reach], frames[i][~reach])
        diff = np.abs(a.astype(int) - b.astype(int))[mask > 0]
        assert diff.mean() < 2.0 and np.percentile(diff, 99) <= 12, (diff.mean(), diff.max())
        assert abs(in_hole_psnr(a, frames[i], mask) - in_hole_psnr(b, frames[i], mask)) < 0.5


def test_torch_path_on_cpu_matches_numpy():
    pytest.importorskip("torch")
    frames = pan_clip(n=16)
    mask = hole_mask()
    fills: dict = {}
    targets = [7, 8]
    fill_full_res(frames, [mask] * 16, TeleaEngine(), (160, 96), "none", grow=2, fills=fills, targets=[])
    outs = {dev: fill_full_res(frames, [mask] * 16, TeleaEngine(), (160, 96), "both", grow=2, feather_radius=3,
                               fills=fills, targets=targets, device=dev) for dev in ("cpu", "torch")}
    reach = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=2 + 3 + 1) > 0
    for k, i in enumerate(targets):
        a, b = outs["cpu"][k], outs["torch"][k]
        np.testing.assert_array_equal(b[~reach], frames[i][~reach])  # faithful outside the hole
        diff = np.abs(a.astype(int) - b.astype(int))
        # stated tolerance: bicubic sampling of the residual instead of Lanczos-4, cv2's 1/32-pixel
        # map quantisation: at most 3 levels anywhere, under 0.5 on average in the hole
        assert diff.max() <= 3 and diff[mask > 0].mean() < 0.5, (diff.max(), diff[mask > 0].mean())


def test_torch_primitives_match_opencv():
    torch = pytest.importorskip("torch")
    from inpaint_core.export.torch_restore import _chw, _hwc, box_blur, gaussian_blur, remap, up

    rng = np.random.default_rng(0)
    g = Geometry((480, 270), (240, 135))
    small = rng.integers(0, 255, (135, 240, 3)).astype(np.uint8)
    rect = (40, 30, 300, 200)
    assert np.abs(up(g, small, rect, "torch") - g.up(small, rect)).max() < 0.02
    img = rng.normal(0, 20, (60, 80, 3)).astype(np.float32)
    mx = rng.uniform(-3, 83, (30, 40)).astype(np.float32)
    my = rng.uniform(-3, 63, (30, 40)).astype(np.float32)
    want = cv2.remap(img, mx, my, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    got = _hwc(remap(_chw(img, torch.device("cpu")), torch.from_numpy(mx), torch.from_numpy(my)))
    assert np.abs(got - want).max() < 0.05
    d = rng.uniform(0, 100, (30, 40)).astype(np.float32)
    assert np.abs(_hwc(box_blur(_chw(d, torch.device("cpu")), 5)) - cv2.blur(d, (5, 5))).max() < 1e-3
    assert np.abs(_hwc(gaussian_blur(_chw(d, torch.device("cpu")), 2.0)) - cv2.GaussianBlur(d, (0, 0), 2.0)).max() < 1e-3


def test_device_option():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") in ("cpu", "cuda")
    with pytest.raises(VanishError, match="Unknown restore device 'tpu'"):
        resolve_device("tpu")
    if resolve_device("auto") == "cpu":
        with pytest.raises(VanishError, match="no CUDA GPU"):
            resolve_device("cuda")


def test_neighbouring_frames_reuse_the_reference_choice_and_its_flows():
    frames = pan_clip(n=40)
    mask = hole_mask()
    g = Geometry((320, 192), (160, 96))
    runs = {}
    for reuse in (True, False):
        store = _store(frames, mask, g)
        opts = TemporalOptions(reuse_refs=reuse, refresh=4)
        flows = FlowCache(store, opts)
        tm: dict = {}
        refs, kept = [], 0
        for t in range(16, 24):  # two blocks of 4 frames from the shot's start
            refs.append(select_references(t, store, flows, opts, timings=tm))
            kept += flows.choices[t][2] > 0  # the previous frame's choice was kept
        runs[reuse] = ([sorted(r) for r in refs], len(flows._cache), tm, kept)
    reused, full = runs[True][0], runs[False][0]
    assert reused[0] == full[0]                              # a full search starts each block
    assert sum(r == f for r, f in zip(reused, full)) >= 4    # mostly the same choice...
    assert runs[True][3] >= 2 and runs[False][3] == 0        # ...kept from the previous frame...
    assert runs[True][1] <= runs[False][1] - 9 * runs[True][3]  # ...each keep saving most of a search's flows
    assert {"restore.references", "restore.flow_coarse"} <= set(runs[True][2])


def test_restore_reports_each_step_and_adds_to_the_callers_dict():
    frames = pan_clip(n=12)
    mask = hole_mask()
    tm = {"restore.resize": 1.0, "decode": 2.0}   # the export's own entries stay
    fill_full_res(frames, [mask] * 12, TeleaEngine(), (160, 96), "both", targets=[5, 6], timings=tm, device="cpu")
    assert STEPS <= set(tm)
    assert tm["decode"] == 2.0 and tm["restore.resize"] > 1.0
    assert all(v >= 0 for v in tm.values())


@pytest.mark.parametrize("full,work", [((1920, 1080), (960, 540)), ((972, 540), (432, 240)), ((1920, 1080), (640, 360))])
def test_upsizing_by_resize_matches_remapping(full, work):
    g = Geometry(full, work)
    small = np.random.default_rng(0).integers(0, 255, (work[1], work[0], 3)).astype(np.uint8)
    W, H = full
    for rect in ((0, 0, W, H), (5, 7, 300, 200), (W - 333, H - 111, W, H)):
        mx, my = g.up_maps(rect)
        want = cv2.remap(small.astype(np.float32), mx, my, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
        got = g.up(small, rect)
        assert got.shape == want.shape and np.abs(got - want).max() < 0.05  # cv2.remap's 1/32 px steps


def test_spatial_attention_in_torch_matches_numpy():
    pytest.importorskip("torch")
    from inpaint_core.export.spatial import spatial_residual

    from .test_export_residuals import texture

    g = Geometry((320, 192), (160, 96))
    img = texture(192, 320, seed=3)
    fill_up = g.up(g.down(img))
    own = img.astype(np.float32) - fill_up
    hole = np.zeros((192, 320), np.uint8)
    hole[70:110, 120:190] = 255
    a = spatial_residual(fill_up, own, hole, g, device="cpu")
    b = spatial_residual(fill_up, own, hole, g, device="torch")
    assert np.abs(a).max() > 1.0  # something was restored
    # float rounding of the distances may swap near-equal candidates in a few patches only
    assert np.abs(a - b)[hole > 0].mean() < 0.01 and np.percentile(np.abs(a - b)[hole > 0], 99) < 0.1


def _edge_clip(step, n=16):
    """A 640x384 pan (flows 320x192) with a hole touching the top and right edges of the frame."""
    frames = pan_clip(n=n, size=(640, 384), step=step)
    mask = np.zeros((384, 640), np.uint8)
    mask[0:30, 590:640] = 255
    return frames, mask, Geometry((640, 384), (320, 192))


def test_working_size_flows_over_the_holes_crop_match_the_whole_frame_ones_at_the_edge():
    frames, mask, g = _edge_clip((1.77, 0.43))
    store = _store(frames, mask, g)
    crop = FlowCache(store, TemporalOptions())
    whole = FlowCache(store, TemporalOptions(coarse_margin=None))
    box = crop.crop(7, 13)
    assert box is not None and box[2] == 320 and box[1] == 0  # reaches the frame's corner
    assert (box[2] - box[0]) * (box[3] - box[1]) <= 0.4 * 320 * 192
    _, hole = crop.reduced(7)
    for o in (3, 6):
        a, b = crop(7, 7 + o), whole(7, 7 + o)
        assert (7, 7 + o) in crop._crops  # computed over the crop
        epe = np.sqrt(((a - b) ** 2).sum(2))[hole]
        assert epe.mean() < 0.3, (o, epe.mean())
        # the working-size flow and cycle test resized from the crop equal the whole-frame resize
        # of the same (cropped) flow over the hole's region
        work, vs = crop.at_work(7, 7 + o, 1.0)
        want = cv2.resize(a, g.work, interpolation=cv2.INTER_LINEAR)
        hs = cv2.resize(hole.astype(np.uint8), g.work, interpolation=cv2.INTER_NEAREST) > 0
        assert np.abs(work - want)[hs].max() < 1e-4
    # the restore with cropped flows stays close to the one with whole-frame flows
    eng = OracleEngine([g.down(f) for f in frames])
    fills: dict = {}
    fill_full_res(frames, [mask] * 16, eng, g.work, "none", grow=2, fills=fills, targets=[])
    outs = {}
    for m in (0.1, None):
        opts = RestoreOptions(residuals="temporal", feather=3, device="cpu", temporal=TemporalOptions(coarse_margin=m))
        flows = FlowCache(store, opts.temporal)
        outs[m] = [restore_frame(i, fills[i][0], store, flows, opts, fills[i][1]) for i in (7, 8)]
    reach = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=2 + 3 + 1) > 0
    for k, i in enumerate((7, 8)):
        a, b = outs[0.1][k], outs[None][k]
        np.testing.assert_array_equal(a[~reach], frames[i][~reach])
        assert abs(in_hole_psnr(a, frames[i], mask) - in_hole_psnr(b, frames[i], mask)) < 0.3


def test_large_motion_takes_the_working_size_flow_over_the_whole_frame():
    frames, mask, g = _edge_clip((14.0, 0.0), n=8)  # 7 flow pixels a frame: 21 at 3 frames apart
    store = _store(frames, mask, g)
    flows = FlowCache(store, TemporalOptions())
    assert flows.crop(1, 4) is not None
    flows(1, 2)
    flows(1, 4)
    assert (1, 2) in flows._crops and (1, 4) not in flows._crops


def test_sparse_temporal_residual_equals_the_dense_one_inside_the_hole():
    """The residual sampled at the hole's pixels only (the default) equals the one computed over the
    whole rectangle, inside the hole, and is 0 beyond it; the confidence is the same everywhere."""
    from inpaint_core.export.temporal import temporal_residual

    frames = pan_clip(n=20)
    mask = np.zeros((192, 320), np.uint8)
    cv2.line(mask, (60, 150), (260, 60), 255, 7)  # a thin diagonal stroke: most of its box is not hole
    g = Geometry((320, 192), (160, 96))
    eng = OracleEngine([g.down(f) for f in frames])
    fills: dict = {}
    fill_full_res(frames, [mask] * 20, eng, (160, 96), "none", grow=2, fills=fills, targets=[])
    store = _store(frames, mask, g)
    rect = (40, 40, 280, 170)
    x0, y0, x1, y1 = rect
    got = {}
    for sparse in (False, True):
        opts = TemporalOptions(sparse=sparse)
        flows = FlowCache(store, opts)
        fill_up = g.up(fills[10][0], rect)
        got[sparse] = temporal_residual(10, store, flows, fill_up, rect, opts, fills[10][1])
    hole = store[10].hole[y0:y1, x0:x1] > 0
    (rd, cd), (rs, cs) = got[False], got[True]
    assert np.abs(rd[hole]).max() > 1.0  # a real residual, not all zeros
    np.testing.assert_allclose(rs[hole], rd[hole], atol=1e-3)
    assert not rs[~hole].any()
    np.testing.assert_array_equal(cs, cd)
