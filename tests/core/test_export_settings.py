"""Export settings and the resumable work folder: working size, quality default, chunk plan,
mask inputs, chunk patches."""

from __future__ import annotations

import numpy as np
import pytest

from inpaint_core.errors import MaskError
from inpaint_core.export.pipeline import regions
from inpaint_core.export.resume import PartialWork, apply_patch, partial_dir, patch_of
from inpaint_core.export.settings import (
    canvas_mode,
    default_crf,
    default_work_size,
    mask_reader,
    parse_size,
    plan_chunks,
)


def test_working_size_and_canvas_mode():
    assert default_work_size((1920, 1080), None) == (960, 540)
    assert default_work_size((640, 360), None) == (640, 360)
    assert default_work_size((1920, 1080), (432, 240)) == (432, 240)
    assert canvas_mode((1920, 1080), (432, 240)) == "stretch"
    assert canvas_mode((1440, 1080), (432, 240)) == "pad"
    assert parse_size("960x540") == (960, 540)
    with pytest.raises(ValueError, match="WIDTHxHEIGHT"):
        parse_size("960")


def test_quality_follows_the_source_bit_rate():
    hi = default_crf(20_000_000, (1920, 1080), 25.0, "mp4")
    mid = default_crf(5_000_000, (1920, 1080), 25.0, "mp4")
    lo = default_crf(1_000_000, (1920, 1080), 25.0, "mp4")
    assert 14 <= hi < mid < lo <= 28
    assert default_crf(5_000_000, (1920, 1080), 25.0, "h265") == mid + 4
    assert default_crf(5_000_000, (1920, 1080), 25.0, "mkv") is None  # lossless FFV1 has no CRF
    assert default_crf(None, (1920, 1080), 25.0, "mp4") == 18


def test_chunks_cover_the_range_and_never_cross_a_shot():
    chunks = plan_chunks(5, 95, [(0, 40), (40, 100)], 16)
    assert chunks[0][0] == 5 and chunks[-1][1] == 95
    assert all(a < b for a, b in chunks)
    assert all(b1 == a2 for (_, b1), (a2, _) in zip(chunks, chunks[1:]))
    assert (35, 40) in chunks or any(b == 40 for _, b in chunks)
    assert not any(a < 40 < b for a, b in chunks)


def test_mask_inputs(tmp_path):
    m = np.zeros((6, 8), np.uint8)
    m[2:4, 3:5] = 255
    assert mask_reader(m, 10, (8, 6))(7) is not None
    np.testing.assert_array_equal(mask_reader(lambda i: m, 10, (8, 6))(3), m)
    with pytest.raises(MaskError, match="8x6"):
        mask_reader(np.zeros((5, 5), np.uint8), 10, (8, 6))
    with pytest.raises(MaskError):
        mask_reader(None, 10, (8, 6))


def test_patches_replay_exactly(tmp_path):
    rng = np.random.default_rng(0)
    src = rng.integers(0, 255, (30, 40, 3), dtype=np.uint8)
    out = src.copy()
    out[10:14, 20:31] = 7
    out[29, 39] = (1, 2, 3)  # a second, distant change: the rectangle spans both, the patch holds only them
    rect, pix, bits = patch_of(out, src)
    assert rect == (20, 10, 40, 30)
    assert pix.shape == (4 * 11 + 1, 3)
    np.testing.assert_array_equal(apply_patch(src, rect, pix, bits), out)
    target = tmp_path / "x.mp4"
    work = PartialWork(target, {"a": 1}, resume=False)
    assert work.dir == partial_dir(target) == tmp_path / ".x.mp4.partial"
    work.save((0, 5), {3: (rect, pix, bits)})
    again = PartialWork(target, {"a": 1}, resume=True)
    assert again.has((0, 5))
    r2, p2, b2 = again.load((0, 5))[3]
    assert r2 == rect and np.array_equal(p2, pix)
    np.testing.assert_array_equal(apply_patch(src, r2, p2, b2), out)
    other = PartialWork(target, {"a": 2}, resume=True)  # other settings: start over
    assert not other.has((0, 5))
    other.remove()
    assert not partial_dir(target).exists()


def test_regions_split_distant_parts():
    hole = np.zeros((100, 200), np.uint8)
    hole[10:20, 10:20] = 255
    hole[70:80, 150:190] = 255
    rs = sorted(regions(hole, margin=3))
    assert rs == [(7, 7, 23, 23), (147, 67, 193, 83)]
