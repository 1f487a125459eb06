"""Blending the classical engine's carried spatial fill with the frame's own spatial fill.

Pixels no frame shows are filled spatially in a key frame and carried along the completed flow to
the frames around it (:mod:`.propagation`). Far from the key frame the carried fill no longer
matches the frame's surroundings (the camera moved, the light changed); the frame's own spatial
fill matches them but flickers. :func:`blend_unsourced` mixes the two on those pixels only.
:func:`cap_texture` tones down fills far sharper than the picture around the hole (patchwork of
misregistered copies), toward the frame's own smooth fill. :func:`steady_mean` averages the
spatial fills of neighbouring frames where nothing is revealed (a still hole in a still shot).

Arrays: ``rgb``/``frame`` (H, W, 3) uint8; ``hole`` (H, W) bool; ``src_frame`` (H, W) int32, the
source frame of each filled pixel, -1 where it was filled spatially (see
:class:`~.propagation.ChunkResult`).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np


def blend_unsourced(rgb: np.ndarray, frame: np.ndarray, hole: np.ndarray, src_frame: np.ndarray,
                    weight: float, spatial_fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> int:
    """In place: the hole pixels of ``rgb`` that no frame sourced become ``(1 - weight) * rgb +
    weight * spatial_fn(frame, hole)`` (the frame's own fill from its real border). Returns the
    number of pixels changed; nothing changes outside the hole, or with ``weight <= 0``."""
    un = hole & (src_frame < 0)
    if weight <= 0 or not un.any():
        return 0
    w = float(min(1.0, weight))
    own = spatial_fn(frame, hole)
    mixed = (1.0 - w) * rgb[un].astype(np.float32) + w * own[un].astype(np.float32)
    rgb[un] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
    return int(un.sum())


def laplacian_energy(rgb: np.ndarray) -> np.ndarray:
    """(H, W) float32 squared Laplacian (4-neighbour) of the grey image of ``rgb``: the finest-scale
    texture energy the benchmark's texture ratio measures (:mod:`inpaint_core.bench.regions`)."""
    g = cv2.cvtColor(np.ascontiguousarray(rgb), cv2.COLOR_RGB2GRAY).astype(np.float32)
    return cv2.Laplacian(g, cv2.CV_32F, ksize=1) ** 2


def cap_texture(rgb: np.ndarray, hole: np.ndarray, smooth: np.ndarray, k: float, sigma: float = 2.0,
                win: int = 15, ring: int = 8) -> int:
    """In place: where the fill of ``hole`` is much sharper than the picture around the hole, pull
    it toward the smooth fill ``smooth`` (the frame's own Telea, say). Returns the number of pixels
    changed.

    The texture reference is observable, never the truth: the squared Laplacian of the real pixels
    in a ring of ``ring`` px around the hole (the pixel next to the hole left out, its stencil would
    read the fill), averaged locally over a window of ``4 * win + 1`` px (the whole ring where no
    ring pixel is that near). The fill's own energy is averaged over a ``win`` px window of hole
    pixels. Where it exceeds ``k`` times the ring's, each hole pixel becomes ``base + s * (rgb -
    base)``, with ``base`` the ``smooth`` fill blurred by ``sigma`` and ``s = sqrt(k * ring /
    fill)`` < 1: the detail's amplitude scaled so that its energy is about ``k`` times the ring's,
    its structure kept. Chains that copy misregistered pieces from other frames make such
    patchwork (docs/fill.md: 5x the truth's energy on dogs_jump); a fill as sharp as its
    surroundings, or smoother, is left alone."""
    if k <= 0 or not hole.any():
        return 0
    h, w = hole.shape
    ys, xs = np.nonzero(hole)
    m = ring + 2 * win + int(3 * sigma) + 2
    y0, y1 = max(0, ys.min() - m), min(h, ys.max() + m + 1)
    x0, x1 = max(0, xs.min() - m), min(w, xs.max() + m + 1)
    img, hl = rgb[y0:y1, x0:x1], hole[y0:y1, x0:x1]
    hu = hl.astype(np.uint8)
    near = cv2.dilate(hu, np.ones((3, 3), np.uint8)) > 0
    band = (cv2.dilate(hu, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * ring + 1, 2 * ring + 1))) > 0) & ~near
    if not band.any():
        return 0
    le = laplacian_energy(img)
    bf = band.astype(np.float32)
    big = 4 * win + 1
    ring_e = cv2.boxFilter(le * bf, -1, (big, big), normalize=False, borderType=cv2.BORDER_CONSTANT)
    ring_n = cv2.boxFilter(bf, -1, (big, big), normalize=False, borderType=cv2.BORDER_CONSTANT)
    ring_e = np.where(ring_n > 0.5, ring_e / np.maximum(ring_n, 1e-6), float(le[band].mean()))
    hf = hl.astype(np.float32)
    fill_e = cv2.boxFilter(le * hf, -1, (win, win), normalize=False, borderType=cv2.BORDER_CONSTANT)
    fill_n = cv2.boxFilter(hf, -1, (win, win), normalize=False, borderType=cv2.BORDER_CONSTANT)
    fill_e = fill_e / np.maximum(fill_n, 1e-6)
    s = np.sqrt(np.clip(k * ring_e / np.maximum(fill_e, 1e-6), 0.0, 1.0))
    sel = hl & (s < 1.0)
    if not sel.any():
        return 0
    base = cv2.GaussianBlur(smooth[y0:y1, x0:x1].astype(np.float32), (0, 0), sigma)
    f = img[sel].astype(np.float32)
    b = base[sel]
    img[sel] = np.clip(b + s[sel][:, None] * (f - b) + 0.5, 0, 255).astype(np.uint8)
    return int(sel.sum())


def steady_mean(canvas: list[np.ndarray], spatial: dict[int, np.ndarray], known: dict[int, np.ndarray],
                want: list[int]) -> int:
    """In place, for a still hole in a still shot (no frame reveals it, so every frame fills it
    spatially): each wanted frame t's pixels ``spatial[t]`` ((H, W) bool, filled by its own
    spatial fill) become the mean of its ``canvas`` (float32 (H, W, 3)) and its neighbours' t - 1
    and t + 1, where those were filled spatially too or are ``known`` (seeds delivered by the
    chunk before: the mean runs on across chunk borders). Each frame's own fill flickers with the
    noise of its border; the scene behind a still hole does not. Measured on the still-camera
    clips' stationary holes, 60 frames at 432x240: in-hole PSNR +0.02 dB over per-frame Telea on
    schoolgirls, +0.11 on dogs_jump (a 5-frame mean lost 0.09 there: its dogs move fast).
    Returns the number of pixels changed."""
    src = {**known, **spatial}
    out = {}
    for t in want:
        own = spatial.get(t)
        if own is None or not own.any():
            continue
        ys, xs = np.nonzero(own.any(1))[0], np.nonzero(own.any(0))[0]
        b = np.s_[ys[0]:ys[-1] + 1, xs[0]:xs[-1] + 1]  # the work stays in the hole's box
        ob = own[b]
        acc = canvas[t][b].copy()
        cnt = np.ones(ob.shape, np.float32)
        for u in (t - 1, t + 1):
            if u in src and 0 <= u < len(canvas):
                ok = src[u][b] & ob
                acc += np.where(ok[..., None], canvas[u][b], 0.0)
                cnt += ok
        out[t] = (b, ob, acc[ob] / cnt[ob][:, None])
    for t, (b, ob, col) in out.items():
        canvas[t][b][ob] = col
    return sum(len(c) for _, _, c in out.values())
