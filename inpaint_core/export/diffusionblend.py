"""A full-resolution diffusion fill blended into the restored hole.

The export's fill comes from the engine at working size (propagated from other frames where the
flow allows, a carried spatial fill elsewhere) and gets its detail back from residuals. Where the
hole covers content that changes shape (snow spray, smoke, water), what other frames show does not
match and a smooth per-frame fill at full resolution is closer to the truth; averaging the two also
cancels part of their errors, which are largely independent. :func:`blend_diffusion` mixes OpenCV's
Telea fill of the source frame (computed on the hole's rectangle only, from the pixels outside the
user's ungrown mask) into each restored piece inside that mask, by one share per frame that
:func:`auto_weight` sets from what the restore could verify: the mean trust of the temporal residual
over the hole (the share backed by a full-resolution reference that passes the cycle test). A fill
nothing backs (snow spray, a car under the logo) gets three quarters of Telea; the share falls to
nothing once about two thirds of the hole is backed (a pan where propagation is exact: there the
session-7 rule's quarter of Telea cost the 1080p pans 0.6-1.9 dB in the export).

The rule was chosen on in-memory runs (30 frames, 8 scored, logo-burned, Telea from the user's mask;
Telea from the grown hole lost 0.3-0.6 dB against it): per-clip best uniform shares were 0.75
(running_car, trust 0.12), 0.5 (sample_640x360, 0.26), 0.35 (dogs_jump, 0.46), 0.25
(sample_576x324 0.54, Wood pan 0.65, Garden pan 0.83), 0 (schoolgirls, nothing propagated: -0.06 dB
at 0.25). Measured in the export: docs/peers.md. ``RestoreOptions.blend = "off"`` turns it
off; :data:`DEFAULT` is the default of that option.
"""

from __future__ import annotations

import cv2
import numpy as np

#: the restore's ``blend`` choices: ``auto`` (the rule of :func:`auto_weight`) or ``off``
MODES = ("auto", "off")
#: the default of :attr:`~inpaint_core.export.pipeline.RestoreOptions.blend`
DEFAULT = "auto"
#: Telea's share of a frame whose hole no trusted full-resolution reference backs (trust 0) ...
WEIGHT_UNBACKED = 0.75
#: ... falling by this much per unit of the mean trust over the hole (none at trust >= 0.65) ...
WEIGHT_SLOPE = 1.15
#: ... never below this share. Session 7 had 0.6 and 0.25 (a quarter of Telea even for an exact
#: propagation); in session 8's one run (docs/peers.md) 1.15 and 0 gave the 1080p pans +0.64 (Garden)
#: and -0.09 dB (Wood) over that, dogs_jump +0.12, sample_576x324 +0.25, sample_640x360 -0.24,
#: running_car and schoolgirls unchanged (+-0.01), every clip still above removelogo
WEIGHT_MIN = 0.0
#: the engine propagated less than this share of the hole: its fill is already a per-frame spatial
#: fill (a still hole in a still scene), and Telea gets WEIGHT_MIN (none)
PROPAGATED_MIN = 0.05
#: OpenCV Telea radius in full-resolution pixels
RADIUS = 5
#: a mask pixel is on a thin stroke when no mask pixel within THIN_REACH px lies deeper than
#: THIN_DEPTH px inside the mask (strokes about 9 px wide): there Telea of the stroke's immediate
#: neighbours is nearly exact (running_car's lettering: 43.6 dB against the restore's 37.4), and
#: with :data:`THIN_WHOLE` Telea takes them whole
THIN_DEPTH = 4.0
THIN_REACH = 5
#: give Telea the thin strokes whole (True) or only the frame's share like the rest of the mask
#: (False, the default since the temporal residual's trust excludes a band around a reference's
#: mask and checks the reference against the target's known pixels: running_car's lettering no
#: longer comes back through it, and the rule cost up to 0.93 dB on the peers table, docs/peers.md)
THIN_WHOLE = False


def thin_strokes(mask: np.ndarray) -> np.ndarray:
    """(h, w) bool: the pixels of ``mask`` (non-zero = masked) on thin strokes (see THIN_DEPTH)."""
    m = (mask > 0).astype(np.uint8)
    dt = cv2.distanceTransform(m, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    k = np.ones((2 * THIN_REACH + 1, 2 * THIN_REACH + 1), np.uint8)
    deep = cv2.dilate((dt > THIN_DEPTH).astype(np.uint8), k) > 0
    return (m > 0) & ~deep


def auto_weight(ft, corr, geom, layers, confs) -> float:
    """Telea's share for frame ``ft`` (a :class:`~inpaint_core.export.frames.FrameData`): from the
    restore's trust maps ``confs`` (one per piece of ``layers``, the temporal residual's share backed
    by a trusted reference, zeros when there is none) averaged over the hole, ``c``:
    ``clip(WEIGHT_UNBACKED - WEIGHT_SLOPE * c, WEIGHT_MIN, WEIGHT_UNBACKED)``; WEIGHT_MIN where the
    engine's correspondence propagated less than PROPAGATED_MIN of the hole. Observable inputs only
    (never the truth)."""
    tot, n = 0.0, 0
    for (rect, _, _), conf in zip(layers, confs):
        x0, y0, x1, y1 = rect
        inside = ft.hole[y0:y1, x0:x1] > 0
        if conf.shape == inside.shape:
            tot += float(conf[inside].sum())
        n += int(inside.sum())
    c = tot / n if n else 0.0
    sf = getattr(corr, "source_frame", None)
    if sf is not None and float((sf[geom.down_mask(ft.hole) > 0] >= 0).mean() if ft.hole.any() else 0) < PROPAGATED_MIN:
        return WEIGHT_MIN
    return float(np.clip(WEIGHT_UNBACKED - WEIGHT_SLOPE * c, WEIGHT_MIN, WEIGHT_UNBACKED))


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


def blend_diffusion(layers, ft, weight: float):
    """``layers`` (``(rect, alpha, restored)`` as :func:`~inpaint_core.export.pipeline.restore_layers`
    returns them) with Telea's full-resolution fill of frame ``ft`` (a
    :class:`~inpaint_core.export.frames.FrameData`) from the user's ungrown mask (``ft.user``) mixed
    into ``restored`` by ``weight`` inside that mask (wholly on its thin strokes,
    :func:`thin_strokes`, with :data:`THIN_WHOLE`); in the growth ring and the feather band
    ``restored`` is unchanged. Returns a new list."""
    if not layers or weight <= 0:
        return layers
    user = ft.user if ft.user is not None else ft.hole
    out = []
    for rect, alpha, restored in layers:
        x0, y0, x1, y1 = rect
        inside = user[y0:y1, x0:x1] > 0
        if not inside.any():
            out.append((rect, alpha, restored))
            continue
        tel = telea_piece(ft.full, user, rect)
        if THIN_WHOLE:
            wgt = np.where(thin_strokes(user[y0:y1, x0:x1]), np.float32(1.0), np.float32(weight)) * inside
        else:
            wgt = np.float32(weight) * inside.astype(np.float32)
        mixed = restored + wgt[..., None] * (tel - restored)
        out.append((rect, alpha, mixed.astype(np.float32)))
    return out
