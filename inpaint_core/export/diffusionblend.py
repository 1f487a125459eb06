"""A full-resolution diffusion fill blended into the restored hole.

The export's fill comes from the engine at working size (propagated from other frames where the
flow allows, a carried spatial fill elsewhere) and gets its detail back from residuals. Where the
hole covers content that changes shape (snow spray, smoke, water), what other frames show does not
match and a smooth per-frame fill at full resolution is closer to the truth; averaging the two also
cancels part of their errors, which are largely independent. :func:`blend_diffusion` mixes OpenCV's
Telea fill of the source frame (computed on the hole's rectangle only, from the pixels outside the
grown hole) into each restored piece with a weight per pixel: :data:`WEIGHT_PROPAGATED` where the
engine's correspondence names a source frame, :data:`WEIGHT_SPATIAL` where it filled spatially.

Measured (tests/benchmarks/bench_peers.py ``--variants blend``, full resolution, logo-burned frames):
see docs/fill.md, "Peers". Off by default (:data:`ENABLED`).
"""

from __future__ import annotations

import cv2
import numpy as np

#: Telea's share where the engine propagated the pixel from another frame
WEIGHT_PROPAGATED = 0.5
#: Telea's share where the engine filled the pixel spatially (no frame showed it)
WEIGHT_SPATIAL = 0.75
#: on/off for the export. Off: it helps the real clips of the peers benchmark (running_car +1.8 to
#: +2 dB, sample_640x360 +0.7) but costs where propagation is exact (a 1080p pan over Wood.jpg,
#: logo-burned: 28.45 -> 27.21 dB) and a little on schoolgirls / sample_576x324 (-0.1 to -0.2 dB);
#: it needs a measure of how well the motion explains the hole's surroundings before it can be on
ENABLED = False
#: OpenCV Telea radius in full-resolution pixels
RADIUS = 5


def engine_weights(corr, geom, rect: tuple[int, int, int, int], w_prop: float, w_spat: float) -> np.ndarray:
    """(h, w) float32 Telea weights over the full-resolution ``rect`` from the engine's
    correspondence: ``w_prop`` where its working-size ``source_frame`` is >= 0, else ``w_spat``."""
    x0, y0, x1, y1 = rect
    sf = getattr(corr, "source_frame", None)
    if sf is None or w_prop == w_spat:
        return np.full((y1 - y0, x1 - x0), np.float32(w_spat), np.float32)
    mx, my = geom.up_maps(rect)
    sh, sw = sf.shape[:2]
    ix = np.clip(np.rint(mx).astype(np.int32), 0, sw - 1)
    iy = np.clip(np.rint(my).astype(np.int32), 0, sh - 1)
    return np.where(sf[iy, ix] >= 0, np.float32(w_prop), np.float32(w_spat)).astype(np.float32)


def telea_piece(full: np.ndarray, hole: np.ndarray, rect: tuple[int, int, int, int],
                radius: int = RADIUS) -> np.ndarray:
    """OpenCV Telea of ``full`` ((H, W, 3) uint8) in the (H, W) ``hole``, over ``rect`` only:
    (h, w, 3) float32. The crop reaches ``2 * radius`` pixels beyond ``rect`` for context."""
    H, W = hole.shape
    x0, y0, x1, y1 = rect
    p = 2 * radius + 2
    cx0, cy0, cx1, cy1 = max(0, x0 - p), max(0, y0 - p), min(W, x1 + p), min(H, y1 + p)
    m = np.where(hole[cy0:cy1, cx0:cx1] > 0, 255, 0).astype(np.uint8)
    crop = np.ascontiguousarray(full[cy0:cy1, cx0:cx1])
    out = cv2.inpaint(crop, m, radius, cv2.INPAINT_TELEA) if m.any() and not m.all() else crop
    return out[y0 - cy0:y1 - cy0, x0 - cx0:x1 - cx0].astype(np.float32)


def blend_diffusion(layers, ft, corr, geom, w_prop: float = WEIGHT_PROPAGATED,
                    w_spat: float = WEIGHT_SPATIAL):
    """``layers`` (``(rect, alpha, restored)`` as :func:`~inpaint_core.export.pipeline.restore_layers`
    returns them) with Telea's full-resolution fill of frame ``ft`` (a
    :class:`~inpaint_core.export.frames.FrameData`) mixed into ``restored`` inside the grown hole;
    outside the hole (the feather band) ``restored`` is unchanged. Returns a new list."""
    if not layers or (w_prop <= 0 and w_spat <= 0):
        return layers
    out = []
    for rect, alpha, restored in layers:
        x0, y0, x1, y1 = rect
        inside = ft.hole[y0:y1, x0:x1] > 0
        if not inside.any():
            out.append((rect, alpha, restored))
            continue
        tel = telea_piece(ft.full, ft.hole, rect)
        wgt = engine_weights(corr, geom, rect, w_prop, w_spat) * inside
        mixed = restored + wgt[..., None] * (tel - restored)
        out.append((rect, alpha, mixed.astype(np.float32)))
    return out
