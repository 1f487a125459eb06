"""Per-region bench scores: revealed / never-revealed hole pixels and the texture ratio."""

import numpy as np
import pytest

from inpaint_core.bench.regions import region_scores, revealed_masks
from inpaint_core.bench.runner import parse_engine_spec
from inpaint_core.errors import VanishError


def _still_flows(n, h, w):
    z = np.zeros((h, w, 2), np.float32)
    return [(z, z) for _ in range(n - 1)]


def test_a_moving_hole_over_a_still_scene_is_revealed_a_stationary_one_is_not():
    n, h, w = 5, 20, 40
    moving = np.zeros((n, h, w), np.uint8)
    for t in range(n):
        moving[t, 5:15, 4 * t + 5:4 * t + 15] = 255
    rev = revealed_masks(list(moving), _still_flows(n, h, w))
    # frame 0's hole starts at x=5: the pixels x=5..8 are uncovered in frame 1 (hole x=9..18)
    assert rev[0][5:15, 5:9].all()
    # frame 2 covers x=13..22: x=13..16 seen before (frame 0/1), x=19..22 seen later (frame 4 is 21..30
    # -> x=19,20 uncovered there), so all of the hole is revealed by some frame
    assert rev[2][moving[2] > 0].all()
    still = np.zeros((n, h, w), np.uint8)
    still[:, 5:15, 10:20] = 255
    assert not any(r.any() for r in revealed_masks(list(still), _still_flows(n, h, w)))


def test_region_scores_split_the_error_and_measure_texture():
    rng = np.random.default_rng(0)
    n, h, w = 3, 24, 32
    truth = rng.integers(0, 256, (n, h, w, 3), dtype=np.uint8)
    masks = np.zeros((n, h, w), np.uint8)
    masks[:, 4:20, 4:28] = 255
    revealed = [np.zeros((h, w), bool) for _ in range(n)]
    for r in revealed:
        r[4:20, 4:16] = True
    res = truth.copy()
    res[:, 4:20, 16:28] = 128  # flat where nothing reveals the truth, exact where something does
    s = region_scores(list(res), list(truth), list(masks), revealed)
    assert s["revealed_share"] == pytest.approx(0.5)
    assert s["psnr_revealed"] == float("inf")
    assert 3 < s["psnr_unrevealed"] < 15
    assert s["ssim_revealed"] > 0.5 > s["ssim_unrevealed"]
    assert s["texture_unrevealed"] < 0.2  # flat fill: far less sharp than the noise it replaces
    s2 = region_scores(list(truth), list(truth), list(masks), revealed)
    assert s2["texture_hole"] == pytest.approx(1.0) and s2["texture_unrevealed"] == pytest.approx(1.0)


def test_engine_spec_carries_options():
    assert parse_engine_spec("propagate") == ("propagate", {})
    assert parse_engine_spec("propagate:fill_method=surface,delta=1.5,chunk=8") == (
        "propagate", {"fill_method": "surface", "delta": 1.5, "chunk": 8})
    with pytest.raises(VanishError, match="key=value"):
        parse_engine_spec("propagate:oops")
