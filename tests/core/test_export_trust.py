"""The temporal residual never reads a reference frame's pixels beside its own hole.

A stationary logo's thin strokes do not grow (stroke-adaptive growth), so before the trust band
(``temporal.untrusted``) the references' pixels 1-2 px from their own hole fed the residual, whose
Lanczos sampling reads 4 px around a sample: the logo's lettering came back faintly in the export.
Here the logo is a unique colour (magenta) on a grey pan: any chroma in the output's hole is logo
that came back."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inpaint_core.engines.telea import TeleaEngine
from inpaint_core.export import diffusionblend, fill_full_res, temporal
from inpaint_core.export.frames import FrameStore
from inpaint_core.export.residuals import Geometry
from inpaint_core.masks.strokes import AdaptiveGrow
from tests.core.test_export_residuals import in_hole_psnr, pan_clip

W, H = 320, 192
MAGENTA = (255, 0, 255)


def logo_clip(n=12):
    truth = [np.repeat(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[..., None], 3, 2) for f in pan_clip(n=n, size=(W, H))]
    mask = np.zeros((H, W), np.uint8)
    mask[90:93, 100:220] = 255   # thin strokes (3 px), stationary: lettering
    mask[60:120, 158:161] = 255
    burned = []
    for f in truth:
        g = f.copy()
        g[mask > 0] = MAGENTA
        burned.append(g)
    return truth, burned, mask


def chroma(img: np.ndarray, sel: np.ndarray) -> np.ndarray:
    """How magenta each selected pixel is: (R + B) / 2 - G (0 on grey)."""
    f = img.astype(np.float32)[sel]
    return (f[:, 0] + f[:, 2]) / 2 - f[:, 1]


@pytest.mark.parametrize("mode", ["temporal", "both"])
def test_no_trace_of_a_stationary_logo_returns_through_the_temporal_residual(mode, monkeypatch):
    monkeypatch.setattr(diffusionblend, "DEFAULT", "off")  # the residual alone, no Telea on top
    truth, burned, mask = logo_clip()
    sel = mask > 0
    targets = [4, 6, 8]
    # a working size close to the source's (running_car: 960x534 for 972x540), where the old
    # guard around a reference's hole shrank to 1 px
    work = (240, 144)
    fills: dict = {}
    plain = fill_full_res(burned, [mask] * 12, TeleaEngine(), work, "none", fills=fills, targets=targets)
    outs = fill_full_res(burned, [mask] * 12, TeleaEngine(), work, mode, fills=fills, targets=targets)
    for p, o, t in zip(plain, outs, (truth[i] for i in targets)):
        assert chroma(p, sel).max() <= 1.0  # the engine's fill reads no logo (the prefill)
        assert chroma(o, sel).max() <= 1.0, "logo colour came back through the residual"
        assert in_hole_psnr(o, t, mask) > in_hole_psnr(p, t, mask) + 0.5  # the residual restored detail


def test_the_old_guard_let_the_logo_back(monkeypatch):
    """The same case with the trust before the band: the logo's colour shows (so the test above
    can fail)."""
    monkeypatch.setattr(diffusionblend, "DEFAULT", "off")
    monkeypatch.setattr(temporal, "TRUST_BAND", False)
    _, burned, mask = logo_clip()
    out = fill_full_res(burned, [mask] * 12, TeleaEngine(), (240, 144), "temporal", targets=[4, 6, 8])
    assert max(chroma(o, mask > 0).max() for o in out) >= 5.0


def test_untrusted_band_does_not_depend_on_the_growth():
    geom = Geometry((W, H), (240, 144))
    mask = np.zeros((H, W), np.uint8)
    mask[90:93, 100:220] = 255
    mask[40:80, 20:80] = 255  # a wide part: it grows, the thin stroke does not
    store = FrameStore(geom, AdaptiveGrow(4), 2, [(0, 1)])
    store.add(0, np.zeros((H, W, 3), np.uint8), mask)
    fr = store[0]
    flows = temporal.FlowCache(store, temporal.TemporalOptions())
    zone = temporal.untrusted(fr, store, flows) > 0
    b = temporal.trust_band(store)
    assert b >= temporal.LANCZOS_REACH + 1
    near = cv2.dilate(mask, np.ones((2 * b + 1, 2 * b + 1), np.uint8)) > 0
    assert (zone == (near | (fr.hole > 0))).all()
    assert zone[93 + b - 1, 150] and not zone[93 + b, 150]  # the band reaches b px below the stroke
    assert temporal.untrusted(fr, store, flows) is temporal.untrusted(fr, store, flows)  # cached


def test_a_reference_that_lands_on_other_content_is_not_trusted_beside_known_pixels():
    """``temporal._verified``: samples read where the reference disagrees with the target's own
    known pixels around the hole are dropped; a true alignment keeps them, and so do samples with
    no known pixel in reach (nothing to check)."""
    from inpaint_core.export.frames import FrameData

    tex = pan_clip(n=1, size=(W, H))[0]
    grey = cv2.cvtColor(tex, cv2.COLOR_RGB2GRAY)
    hole = np.zeros((H, W), bool)
    hole[90:93, 100:220] = True          # a thin stroke: known pixels right beside it
    hole[20:180, 240:318] = True         # a wide part: its middle is far from any known pixel
    fr = FrameData(tex, tex[::2, ::2], hole.astype(np.uint8) * 255, hole[::2, ::2].astype(np.uint8) * 255)
    xs, ys = np.meshgrid(np.arange(W, dtype=np.float32), np.arange(H, dtype=np.float32))
    readable = np.ones((H, W), bool)
    same = temporal._verified(fr, xs, ys, grey, hole, readable, 5)
    assert same.all()
    off = temporal._verified(fr, xs + 37, ys - 23, grey, hole, readable, 5)  # other content
    assert not off[90:93, 100:220].any()
    assert off[95:105, 270:290].all()  # 15+ px inside the wide part: nothing known within 10 px
