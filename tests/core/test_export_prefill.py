"""The working-size frame's hole is painted over from its surroundings before the engine sees it, so
that what lies under the mask (a burned-in logo) cannot leak into the export's fill."""

from __future__ import annotations

import numpy as np
import pytest

from inpaint_core.engines.telea import TeleaEngine
from inpaint_core.export import fill_full_res
from inpaint_core.export.frames import FrameStore
from inpaint_core.export.residuals import Geometry
from inpaint_core.prefill import pull_push
from tests.core.test_export_residuals import pan_clip


def test_pull_push_fills_from_the_surroundings_and_keeps_known_pixels():
    img = np.zeros((60, 80, 3), np.uint8)
    img[:, :40] = (200, 40, 10)
    img[:, 40:] = (10, 90, 250)
    hole = np.zeros((60, 80), np.uint8)
    hole[20:40, 10:30] = 255  # inside the left half
    hole[20:40, 50:75] = 255  # inside the right half
    burned = img.copy()
    burned[hole > 0] = 255
    out = pull_push(burned, hole)
    assert np.array_equal(out[hole == 0], img[hole == 0])
    # each hole takes the colour around it, not the white under it
    assert np.abs(out[30, 20].astype(int) - (200, 40, 10)).max() <= 12
    assert np.abs(out[30, 62].astype(int) - (10, 90, 250)).max() <= 12
    assert pull_push(burned, np.zeros_like(hole)) is burned


def test_frame_store_small_does_not_depend_on_what_is_under_the_hole():
    frame = pan_clip(1, size=(160, 96))[0]
    mask = np.zeros((96, 160), np.uint8)
    mask[30:60, 40:90] = 255
    geom = Geometry((160, 96), (80, 48))
    smalls = []
    for colour in (0, 255, None):
        f = frame.copy()
        if colour is not None:
            f[mask > 0] = colour
        d = FrameStore(geom, 1, 1, [(0, 1)]).make(f, mask)
        smalls.append(d.small)
        assert not d.hole_small[0].any() and d.hole_small[20, 30]
    assert np.array_equal(smalls[0], smalls[1]) and np.array_equal(smalls[1], smalls[2])
    # without the prefill the logo's colour reaches the engine
    off = [FrameStore(geom, 1, 1, [(0, 1)], prefill=False).make(np.where(mask[..., None] > 0, c, frame).astype(np.uint8),
                                                               mask).small for c in (0, 255)]
    assert np.abs(off[0].astype(int) - off[1]).max() > 200


@pytest.mark.parametrize("residuals", ["none", "spatial"])
def test_export_fill_ignores_a_burned_logo(residuals):
    """The whole in-memory export (engine at half size, restore at full size) gives the same output
    whether the hole holds the clean picture, black or a white logo."""
    frames = pan_clip(4, size=(160, 96))
    mask = np.zeros((96, 160), np.uint8)
    mask[36:44, 30:130] = 255  # a thin bar, like a logo's stroke
    outs = []
    for colour in (None, 255):
        fr = [f.copy() for f in frames]
        if colour is not None:
            for f in fr:
                f[mask > 0] = colour
        outs.append(fill_full_res(fr, [mask] * 4, TeleaEngine(), (80, 48), residuals))
    for a, b in zip(*outs):
        assert np.array_equal(a, b)


def test_diffusion_blend_mixes_telea_into_the_users_mask_by_the_restores_trust():
    from inpaint_core.engines.base import FlowCorrespondence
    from inpaint_core.export.diffusionblend import WEIGHT_MIN, WEIGHT_UNBACKED, auto_weight, blend_diffusion

    yy, xx = np.mgrid[0:96, 0:160].astype(np.float32)
    frame = np.stack([xx, yy * 2, 255 - xx], -1).clip(0, 255).astype(np.uint8)  # smooth ramps
    mask = np.zeros((96, 160), np.uint8)
    mask[40:56, 40:120] = 255
    geom = Geometry((160, 96), (80, 48))
    burned = frame.copy()
    burned[mask > 0] = 255
    ft = FrameStore(geom, 2, 0, [(0, 1)]).make(burned, mask)  # the export's hole grows by 2
    assert (ft.hole > 0).sum() > (mask > 0).sum() and np.array_equal(ft.user, mask)
    rect = (30, 30, 130, 66)
    alpha = ft.blend_alpha(rect, 3.0)
    restored = np.zeros((36, 100, 3), np.float32)  # a black fill: far from the truth
    layers = [(rect, alpha, restored)]
    # the share follows the restore's trust over the hole; a fill the engine did not propagate
    # (a per-frame spatial fill already) gets the least
    sf = np.zeros((48, 80), np.int32)
    prop = FlowCorrespondence(sf, np.zeros((48, 80, 2), np.float32))
    unbacked, backed = [np.zeros((36, 100), np.float32)], [np.ones((36, 100), np.float32)]
    assert auto_weight(ft, prop, geom, layers, unbacked) == WEIGHT_UNBACKED
    assert auto_weight(ft, prop, geom, layers, backed) == WEIGHT_MIN
    spatial = FlowCorrespondence(sf - 1, np.zeros((48, 80, 2), np.float32))
    assert auto_weight(ft, spatial, geom, layers, unbacked) == WEIGHT_MIN
    # in between, the share falls with the trust: a hole a third backed gets less than an unbacked one
    third = [np.full((36, 100), 1 / 3, np.float32)]
    assert WEIGHT_MIN < auto_weight(ft, prop, geom, layers, third) < WEIGHT_UNBACKED
    assert blend_diffusion(layers, ft, 0.0) is layers  # no share: the restore is kept as it is
    [(r2, a2, mixed)] = blend_diffusion(layers, ft, 0.25)
    assert r2 == rect and a2 is alpha
    inside = mask[30:66, 30:130] > 0
    truth = frame[30:66, 30:130].astype(np.float32)
    assert np.array_equal(mixed[~inside], restored[~inside])  # growth ring and feather keep the restore
    # Telea of the smooth ramps from outside the user's mask is close to the truth: the mix is a
    # quarter of the way there
    share = (mixed[inside] / np.maximum(truth[inside], 1)).mean()
    assert 0.18 < share < 0.32


def test_thin_strokes_are_the_lettering_not_the_wide_parts():
    from inpaint_core.export.diffusionblend import thin_strokes

    mask = np.zeros((80, 160), np.uint8)
    mask[10:16, 10:150] = 255  # a 6 px stroke
    mask[30:70, 40:100] = 255  # a 40x60 block
    thin = thin_strokes(mask)
    assert thin[10:16, 10:30].all() and thin[10:16, 110:150].all()
    assert not thin[40:60, 50:90].any() and not thin[mask == 0].any()
