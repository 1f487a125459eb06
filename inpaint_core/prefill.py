"""Paint over what lies under the hole before the engine sees the working-size frame.

What a mask covers in a real clip is the logo itself. The engine and the restore never take a hole
pixel as a source, but they read its neighbourhood: flow estimated on frames with a bright opaque
logo sticks to its stationary edges, and every area-averaged or bicubic step around the hole mixes
its colours into the pixels beside it. On running_car with its logo painted white (what
``tests/benchmarks/bench_logo_loss.py`` gives every method) the export's in-hole PSNR fell from
26.9 dB (the clean clip under the mask) to 24.1 dB, the lettering's outline showing in the fill.

:func:`pull_push` replaces the hole by a smooth estimate from the known pixels around it (a
pull-push pyramid: premultiplied colour and weight averaged down until no hole is left, then
composited back up), so what leaks is the surroundings' colour, not the logo's.

One truth for every path: :func:`engine_input` is what each engine is given of a working-size
frame, on the export and the preview (:class:`~inpaint_core.export.frames.FrameStore`), on
``vanish inpaint`` (:class:`~inpaint_core.clipsource.ResizedClipSource`) and in the benchmarks
(:func:`inpaint_core.bench.runner.engine_frames`). ``cover`` is the working-size pixels the user's
hole touches (before the engine's own growth): the ring the engine grows around it keeps the
frame's own pixels, which flow estimation may read, and which the engine never copies from.
Engines that read only the mask (Telea) are unchanged by it.
"""

from __future__ import annotations

import cv2
import numpy as np

#: the one switch of the prefill on every engine path (benchmarks toggle it for before/after rows):
#: on running_car's white logo the engine alone scored 23.25 dB in the hole unprefilled, 28.31 dB
#: prefilled, 28.48 dB with the clean clip under the mask (tests/benchmarks/logo_leak_engine.py)
PREFILL = True


def pull_push(img: np.ndarray, hole: np.ndarray, margin: int = 8) -> np.ndarray:
    """(h, w, C) uint8 image and (h, w) hole (non-zero = unknown) -> a copy of ``img`` whose hole
    pixels hold a smooth fill from the known ones; the known pixels are unchanged. Works on the
    hole's bounding box grown by ``margin`` (and as far as needed to find a known pixel)."""
    m = np.asarray(hole) > 0
    if not m.any():
        return img
    if m.all():
        return img  # nothing known to fill from: leave it
    H, W = m.shape
    ys, xs = np.nonzero(np.any(m, 1))[0], np.nonzero(np.any(m, 0))[0]
    y0, y1 = max(0, ys[0] - margin), min(H, ys[-1] + 1 + margin)
    x0, x1 = max(0, xs[0] - margin), min(W, xs[-1] + 1 + margin)
    sub_m = m[y0:y1, x0:x1]
    if sub_m.all():  # the hole fills its box: use the whole frame
        y0, y1, x0, x1, sub_m = 0, H, 0, W, m
    sub = img[y0:y1, x0:x1]
    wgt = (~sub_m).astype(np.float32)
    col = sub.astype(np.float32) * wgt[..., None] if sub.ndim == 3 else sub.astype(np.float32) * wgt
    levels = [(col, wgt)]
    while levels[-1][1].min() <= 0 and min(levels[-1][1].shape) > 1:
        c, w = levels[-1]
        size = ((w.shape[1] + 1) // 2, (w.shape[0] + 1) // 2)
        # sums of the 2x2 children, scaled down to weight 1 where they exceed it (an average)
        c2 = cv2.resize(c, size, interpolation=cv2.INTER_AREA) * np.float32(4.0)
        w2 = cv2.resize(w, size, interpolation=cv2.INTER_AREA) * np.float32(4.0)
        f = np.float32(1.0) / np.maximum(w2, np.float32(1.0))
        c2 *= f[..., None] if c2.ndim == 3 else f
        w2 *= f
        levels.append((c2.astype(np.float32), w2.astype(np.float32)))
    c, w = levels[-1]
    for cf, wf in reversed(levels[:-1]):
        size = (wf.shape[1], wf.shape[0])
        cu = cv2.resize(c, size, interpolation=cv2.INTER_LINEAR)
        wu = cv2.resize(w, size, interpolation=cv2.INTER_LINEAR)
        rest = 1.0 - wf
        c = cf + (rest[..., None] if cf.ndim == 3 else rest) * cu
        w = wf + rest * wu
    est = c / (np.maximum(w, 1e-6)[..., None] if c.ndim == 3 else np.maximum(w, 1e-6))
    out = img.copy()
    region = out[y0:y1, x0:x1]
    region[sub_m] = np.clip(np.rint(est[sub_m]), 0, 255).astype(img.dtype)
    return out


def engine_input(small: np.ndarray, cover: np.ndarray, prefill: bool | None = None) -> np.ndarray:
    """What an engine is given of one working-size frame: ``small`` (h, w, 3) uint8 with the pixels
    under ``cover`` (h, w, non-zero = the user's hole at working size) painted over by
    :func:`pull_push` when ``prefill`` is on (default: :data:`PREFILL`); ``small`` itself otherwise
    or when ``cover`` is empty."""
    on = PREFILL if prefill is None else bool(prefill)
    return pull_push(small, cover) if on else small
