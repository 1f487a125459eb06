"""Quality metrics for video inpainting: PSNR, SSIM, flow warping error and in-hole flicker.

Conventions (all functions):

- Images are RGB ``uint8`` (H, W, 3) in [0, 255] (float arrays in the same range are accepted).
- A hole mask is (H, W) ``uint8`` 0/255 (or bool); "in-hole" metrics average only over pixels where
  the mask is non-zero. An empty hole gives ``nan`` (there is nothing to score).
- PSNR is in dB with a peak of 255; identical images give ``inf``.
- SSIM follows Wang et al. (2004): an 11x11 Gaussian window with sigma 1.5, K1 = 0.01, K2 = 0.03,
  L = 255, computed **per RGB channel and averaged over the channels** (as the STTN / LGTSM
  evaluations do with scikit-image's multichannel SSIM); ``luma=True`` computes it on the BT.601
  luminance instead. In-hole SSIM is the mean of the SSIM map over hole pixels.
- The flow warping error follows Lai et al. (2018), as STTN/LGTSM and ProPainter use it: the flow
  from frame t to t+1 and its non-occlusion mask (the pixels whose flow passes the
  cycle-consistency test, :func:`inpaint_core.flow.cycle_valid`) are computed on the *ground-truth*
  video, frame t+1 of the result is warped back to t along that flow, and the squared difference
  on [0, 1] values (mean over the three channels) is averaged over the non-occluded pixels. The
  clip value is the mean over all consecutive pairs that have any valid pixel. Without ground
  truth (object removal) the flow is estimated on the result itself; that variant is reported
  as ``warp_error_self``. It is a weaker measure: a fill that smears texture makes the flow fail
  the cycle test there, which drops exactly those pixels from the average, so a blurry fill can
  score below the true video itself.
- Flicker is the mean absolute temporal-difference error inside the hole, in 8-bit grey levels:
  ``|(r[t+1] - r[t]) - (g[t+1] - g[t])|`` averaged over the union of the holes of t and t+1 and the
  channels, where ``r`` is the result and ``g`` the ground truth (without ground truth, ``g`` is
  taken as constant, i.e. the raw change of the result). A static error does not count as flicker;
  a fill that changes from frame to frame where the true video does not, does.
- VFID is not provided: it needs I3D network weights, which Vanish does not ship or download.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from . import flow as _flow

PEAK = 255.0
SSIM_SIGMA = 1.5
SSIM_WINDOW = 11
_C1 = (0.01 * PEAK) ** 2
_C2 = (0.03 * PEAK) ** 2
#: the cycle-consistency threshold (pixels) used by :func:`warping_error`
WARP_DELTA = 1.0
VFID_NOTE = "VFID is not computed: it needs I3D network weights, which Vanish does not ship or download."


def _hole(mask: np.ndarray | None, shape: tuple[int, ...]) -> np.ndarray | None:
    if mask is None:
        return None
    m = np.asarray(mask) > 0
    if m.shape != tuple(shape[:2]):
        raise ValueError(f"mask shape {m.shape} does not match image shape {shape[:2]}")
    return m


def _check_pair(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"image shapes differ: {a.shape} vs {b.shape}")
    return a.astype(np.float64), b.astype(np.float64)


def mse(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean squared error in 8-bit units over all pixels and channels (or only inside ``mask``)."""
    fa, fb = _check_pair(a, b)
    d2 = (fa - fb) ** 2
    m = _hole(mask, fa.shape)
    if m is None:
        return float(d2.mean())
    if not m.any():
        return float("nan")
    return float(d2[m].mean())


def psnr_from_mse(err: float) -> float:
    """PSNR in dB for a mean squared error in 8-bit units: ``10 log10(255^2 / mse)``."""
    if np.isnan(err):
        return float("nan")
    if err <= 0:
        return float("inf")
    return float(10.0 * np.log10(PEAK * PEAK / err))


def psnr(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None) -> float:
    """PSNR (dB, peak 255) between two images; with ``mask``, only over hole pixels.

    Identical images give ``inf``; an empty mask gives ``nan``.
    """
    return psnr_from_mse(mse(a, b, mask))


def _luma(img: np.ndarray) -> np.ndarray:
    img = np.asarray(img, np.float64)
    if img.ndim == 2:
        return img
    return img[..., 0] * 0.299 + img[..., 1] * 0.587 + img[..., 2] * 0.114


def ssim_map(a: np.ndarray, b: np.ndarray, luma: bool = False) -> np.ndarray:
    """Per-pixel SSIM (H, W) float64 (channel mean, or on luminance when ``luma``), in [-1, 1].

    Computed in float64: float32 local variances of 8-bit data are off by about 1e-3 relative."""
    fa, fb = _check_pair(a, b)
    if luma:
        fa, fb = _luma(fa)[..., None], _luma(fb)[..., None]
    elif fa.ndim == 2:
        fa, fb = fa[..., None], fb[..., None]
    k = (SSIM_WINDOW, SSIM_WINDOW)

    def blur(x: np.ndarray) -> np.ndarray:
        out = cv2.GaussianBlur(x, k, SSIM_SIGMA, borderType=cv2.BORDER_REFLECT)
        return out if out.ndim == 3 else out[..., None]

    mu_a, mu_b = blur(fa), blur(fb)
    var_a = blur(fa * fa) - mu_a * mu_a
    var_b = blur(fb * fb) - mu_b * mu_b
    cov = blur(fa * fb) - mu_a * mu_b
    num = (2 * mu_a * mu_b + _C1) * (2 * cov + _C2)
    den = (mu_a * mu_a + mu_b * mu_b + _C1) * (var_a + var_b + _C2)
    return (num / den).mean(axis=2, dtype=np.float64)


def ssim(a: np.ndarray, b: np.ndarray, mask: np.ndarray | None = None, luma: bool = False) -> float:
    """Mean SSIM of two images (1.0 when identical); with ``mask``, the mean over hole pixels."""
    smap = ssim_map(a, b, luma=luma)
    m = _hole(mask, smap.shape)
    if m is None:
        return float(smap.mean())
    if not m.any():
        return float("nan")
    return float(smap[m].mean())


def warping_error_pair(
    a: np.ndarray,
    b: np.ndarray,
    fwd: np.ndarray,
    bwd: np.ndarray,
    mask: np.ndarray | None = None,
    delta: float = WARP_DELTA,
) -> tuple[float, int]:
    """Warping error between consecutive result frames ``a`` (t) and ``b`` (t+1).

    ``fwd`` is the flow a->b and ``bwd`` b->a, (H, W, 2) float32. ``b`` is warped into ``a``'s
    coordinates; the mean squared difference on [0, 1] values (channel mean) is taken over the
    pixels whose flow passes the cycle test (and that lie inside ``mask`` when given).
    Returns ``(error, valid_pixel_count)``; the error is ``nan`` when no pixel is valid.
    """
    valid = _flow.cycle_valid(fwd, bwd, delta)
    m = _hole(mask, valid.shape)
    if m is not None:
        valid &= m
    n = int(valid.sum())
    if n == 0:
        return float("nan"), 0
    warped = _flow.warp(np.ascontiguousarray(b), fwd).astype(np.float64) / PEAK
    d2 = ((np.asarray(a, np.float64) / PEAK - warped) ** 2)
    d2 = d2.mean(axis=2) if d2.ndim == 3 else d2
    return float(d2[valid].mean()), n


def reference_flows(
    frames: Sequence[np.ndarray],
    preset: str = _flow.DEFAULT_PRESET,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (forward, backward) flow of each consecutive pair of ``frames`` (N of (H, W, 3) uint8),
    computed once so that several results can be scored against the same ground-truth motion."""
    return [_flow.flow_pair(frames[t], frames[t + 1], preset) for t in range(len(frames) - 1)]


def warping_errors(
    frames: Sequence[np.ndarray],
    masks: Sequence[np.ndarray] | None = None,
    preset: str = _flow.DEFAULT_PRESET,
    delta: float = WARP_DELTA,
    flows: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
) -> tuple[float, float]:
    """Flow warping error of a result video ``frames`` (N of (H, W, 3) uint8) over the whole frame
    and, when ``masks`` (N of (H, W)) are given, over the hole pixels of frame t only (``nan``
    without masks). ``flows``: the N-1 (forward, backward) flows to warp along, normally
    :func:`reference_flows` of the ground truth (Lai et al.); None estimates them on ``frames``
    itself. Each value is the mean over the consecutive pairs with a valid pixel; ``nan`` for
    fewer than 2 frames."""
    if flows is not None and len(flows) != max(0, len(frames) - 1):
        raise ValueError(f"{len(flows)} flows for {len(frames)} frames")
    whole, hole = [], []
    for t in range(len(frames) - 1):
        a, b = frames[t], frames[t + 1]
        fwd, bwd = flows[t] if flows is not None else _flow.flow_pair(a, b, preset)
        e, n = warping_error_pair(a, b, fwd, bwd, None, delta)
        if n:
            whole.append(e)
        if masks is not None and np.any(masks[t]):
            e, n = warping_error_pair(a, b, fwd, bwd, masks[t], delta)
            if n:
                hole.append(e)
    return (float(np.mean(whole)) if whole else float("nan"),
            float(np.mean(hole)) if hole else float("nan"))


def warping_error(
    frames: Sequence[np.ndarray],
    masks: Sequence[np.ndarray] | None = None,
    preset: str = _flow.DEFAULT_PRESET,
    delta: float = WARP_DELTA,
) -> float:
    """Flow warping error of a result video ``frames`` (N of (H, W, 3) uint8), flow estimated on it
    (no ground truth; see :func:`warping_errors` to warp along the true video's flow).

    With ``masks`` (N of (H, W)), only hole pixels of frame t count (the in-hole variant).
    Returns the mean over consecutive pairs with any valid pixel (``nan`` for fewer than 2 frames).
    """
    whole, hole = warping_errors(frames, masks, preset, delta)
    return whole if masks is None else hole


def flicker(
    frames: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    reference: Sequence[np.ndarray] | None = None,
) -> float:
    """Temporal flicker inside the hole, in 8-bit levels (see module docstring).

    ``frames``: N result frames (H, W, 3) uint8; ``masks``: N holes (H, W); ``reference``: the N
    ground-truth frames, or None. Returns ``nan`` when no pair has a hole pixel.
    """
    total, count = 0.0, 0
    for t in range(len(frames) - 1):
        hole = (np.asarray(masks[t]) > 0) | (np.asarray(masks[t + 1]) > 0)
        if not hole.any():
            continue
        dr = frames[t + 1].astype(np.float64) - frames[t].astype(np.float64)
        if reference is not None:
            dr -= reference[t + 1].astype(np.float64) - reference[t].astype(np.float64)
        vals = np.abs(dr[hole])
        total += float(vals.sum())
        count += vals.size
    return total / count if count else float("nan")


def clip_scores(
    results: Sequence[np.ndarray],
    truth: Sequence[np.ndarray],
    masks: Sequence[np.ndarray],
    warp: bool = True,
    flows: Sequence[tuple[np.ndarray, np.ndarray]] | None = None,
) -> dict[str, float]:
    """All metrics for one clip: N result frames, N ground-truth frames, N hole masks.

    Keys: ``psnr`` and ``ssim`` (whole frame, mean over frames), ``psnr_hole`` (from the MSE pooled
    over all hole pixels of the clip) and ``ssim_hole`` (mean over frames with a hole),
    ``warp_error`` (whole result frame, [0,1]^2 units) and ``warp_error_hole`` (hole pixels of frame
    t only), warped along the ground truth's flow (``flows``, :func:`reference_flows` of ``truth``,
    computed here when None), ``warp_error_self`` (whole frame, flow estimated on the result), all
    ``nan`` when ``warp`` is False, and ``flicker`` (8-bit levels).
    """
    if not (len(results) == len(truth) == len(masks)):
        raise ValueError(f"{len(results)} results, {len(truth)} truth frames, {len(masks)} masks")
    psnrs, ssims, ssims_hole = [], [], []
    hole_se, hole_n = 0.0, 0
    for r, g, m in zip(results, truth, masks):
        psnrs.append(psnr(r, g))
        smap = ssim_map(r, g)
        ssims.append(float(smap.mean()))
        hole = np.asarray(m) > 0
        if hole.any():
            d2 = (r.astype(np.float64) - g.astype(np.float64)) ** 2
            hole_se += float(d2[hole].sum())
            hole_n += int(d2[hole].size)
            ssims_hole.append(float(smap[hole].mean()))
    finite = [p for p in psnrs if np.isfinite(p)]
    nan = float("nan")
    if warp:
        w_all, w_hole = warping_errors(results, masks, flows=flows if flows is not None else reference_flows(truth))
        w_self = warping_errors(results)[0]
    else:
        w_all = w_hole = w_self = nan
    return {
        # mean of per-frame PSNRs; frames reproduced exactly (inf) are left out of the mean
        "psnr": float(np.mean(finite)) if finite else float("inf"),
        "psnr_hole": psnr_from_mse(hole_se / hole_n) if hole_n else float("nan"),
        "ssim": float(np.mean(ssims)),
        "ssim_hole": float(np.mean(ssims_hole)) if ssims_hole else float("nan"),
        "warp_error": w_all,
        "warp_error_hole": w_hole,
        "warp_error_self": w_self,
        "flicker": flicker(results, masks, truth),
    }
