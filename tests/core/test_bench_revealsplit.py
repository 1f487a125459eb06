"""The revealed-pixel error split by source distance, and the flow end-point error in the hole."""

import numpy as np
import pytest

from inpaint_core.bench.revealsplit import flow_error, split_by_source


def test_split_by_source_buckets_pixels_by_distance_and_pools_their_error():
    n, h, w = 3, 4, 5
    truth = np.full((n, h, w, 3), 100, np.uint8)
    result = truth.copy()
    base = truth.copy()
    revealed = np.zeros((n, h, w), bool)
    revealed[1, 0, :4] = True                     # four revealed pixels in frame 1
    src = np.full((n, h, w), -1, np.int32)
    src[1, 0, 0] = 0                              # one frame away
    src[1, 0, 1] = 2                              # one frame away
    # (1, 0, 2) and (1, 0, 3) stay -1: filled spatially
    result[1, 0, 2] = 110                         # error 10 on a spatial pixel
    result[1, 0, 3] = 130                         # error 30 on a spatial pixel
    base[1, 0, :4] = 120                          # the baseline is off by 20 everywhere
    out = {(b["lo"], b["hi"]): b for b in split_by_source(result, truth, base, revealed, src)}
    assert set(out) == {(-1, -1), (1, 1)}
    assert out[(1, 1)]["share"] == pytest.approx(0.5)
    assert out[(1, 1)]["psnr"] == float("inf")
    assert out[(-1, -1)]["se_share"] == pytest.approx(1.0)
    assert out[(-1, -1)]["psnr"] == pytest.approx(10 * np.log10(255 ** 2 / 500.0))
    assert out[(-1, -1)]["psnr_baseline"] == pytest.approx(10 * np.log10(255 ** 2 / 400.0))


def test_flow_error_is_measured_inside_the_hole_only():
    ref = np.zeros((6, 6, 2), np.float32)
    ref[..., 0] = 4.0
    comp = ref.copy()
    comp[2:4, 2:4, 0] = 1.0                       # 3 px off inside the hole
    comp[0, 0, 0] = 100.0                         # far off outside it: not counted
    hole = np.zeros((6, 6), bool)
    hole[2:4, 2:4] = True
    e = flow_error([comp], [ref], [hole])
    assert e["median"] == pytest.approx(3.0) and e["mean"] == pytest.approx(3.0)
    assert e["motion"] == pytest.approx(4.0)
    assert np.isnan(flow_error([comp], [ref], [np.zeros((6, 6), bool)])["median"])
