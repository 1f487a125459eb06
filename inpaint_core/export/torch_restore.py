"""The restore stage's heavy operations in torch: bicubic upsizing, warping by ``grid_sample`` and the
temporal residual aggregation, on a CUDA device beside STTN or, with the device name ``torch``, on
the CPU (so that the same code is tested where there is no GPU). The spatial attention's torch form
is in :mod:`.spatial`; flows stay OpenCV's (DIS) on the CPU.

Mirrors :class:`~inpaint_core.export.temporal.NumpyAggregator` and
:meth:`~inpaint_core.export.residuals.Geometry.up`: cv2's bicubic kernel (a = -0.75) and torch's are
the same; replicated borders are ``padding_mode="border"``; the reference residual, which OpenCV
samples with Lanczos-4, is sampled bicubically here (torch has no Lanczos), the main source of the
small differences between the paths (see ``tests/core/test_restore_speed.py`` for the tolerance).
Inputs and outputs are numpy arrays; float32 throughout.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from .residuals import Geometry
from .roi import timed


def torch_device(device: str) -> torch.device:
    """``torch`` -> the CPU, anything else (``cuda``, ``cuda:1``) as torch names it."""
    return torch.device("cpu") if device == "torch" else torch.device(device)


def _chw(a: np.ndarray, dev: torch.device) -> torch.Tensor:
    """(h, w[, C]) numpy -> (C, h, w) float32 tensor on ``dev``."""
    t = torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)).to(dev)
    return t[None] if t.ndim == 2 else t.permute(2, 0, 1)


def _hwc(t: torch.Tensor) -> np.ndarray:
    """(C, h, w) tensor -> (h, w, C) float32 numpy ((h, w) for C = 1)."""
    out = t.permute(1, 2, 0) if t.ndim == 3 else t
    arr = out.detach().to("cpu").numpy()
    return np.ascontiguousarray(arr[..., 0] if arr.ndim == 3 and arr.shape[2] == 1 else arr)


def remap(img: torch.Tensor, mx: torch.Tensor, my: torch.Tensor, mode: str = "bicubic",
          padding: str = "border") -> torch.Tensor:
    """``out[:, y, x] = img[:, my[y, x], mx[y, x]]`` (pixel coordinates, pixel centres at integers),
    like ``cv2.remap``. ``img`` (C, H, W); maps (h, w) -> (C, h, w)."""
    H, W = img.shape[-2:]
    grid = torch.stack(((mx + 0.5) * (2.0 / W) - 1.0, (my + 0.5) * (2.0 / H) - 1.0), dim=-1)
    return F.grid_sample(img[None], grid[None], mode=mode, padding_mode=padding, align_corners=False)[0]


def up_tensor(geom: Geometry, small: torch.Tensor, rect) -> torch.Tensor:
    """:meth:`Geometry.up` in torch: (C, h, w) working-canvas tensor -> (C, rh, rw) over ``rect``."""
    mx, my = geom.up_maps(rect)
    dev = small.device
    return remap(small, torch.from_numpy(mx).to(dev), torch.from_numpy(my).to(dev))


def up(geom: Geometry, small: np.ndarray, rect, device: str) -> np.ndarray:
    """:meth:`Geometry.up` computed on ``device``; (rh, rw[, C]) float32 numpy."""
    return _hwc(up_tensor(geom, _chw(small, torch_device(device)), rect))


def _reflect_pad(x: torch.Tensor, p: int) -> torch.Tensor:
    """cv2's default BORDER_REFLECT_101 for a (C, h, w) tensor (falls back to replicate on tiny inputs)."""
    if p <= 0:
        return x
    mode = "reflect" if min(x.shape[-2:]) > p else "replicate"
    return F.pad(x[None], (p, p, p, p), mode=mode)[0]


def box_blur(x: torch.Tensor, k: int) -> torch.Tensor:
    """``cv2.blur(x, (k, k))`` for a (C, h, w) tensor (k odd)."""
    return F.avg_pool2d(_reflect_pad(x, k // 2)[None], k, stride=1)[0]


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """``cv2.GaussianBlur(x, (0, 0), sigma)`` for a (C, h, w) float32 tensor (same kernel size rule)."""
    k = int(round(sigma * 8 + 1)) | 1
    r = k // 2
    t = torch.arange(k, dtype=torch.float32, device=x.device) - r
    g = torch.exp(-(t * t) / (2 * sigma * sigma))
    g = g / g.sum()
    c = x.shape[0]
    y = _reflect_pad(x, r)[None]
    y = F.conv2d(y, g.view(1, 1, 1, k).expand(c, 1, 1, k), groups=c)
    y = F.conv2d(y, g.view(1, 1, k, 1).expand(c, 1, k, 1), groups=c)
    return y[0]


class TorchAggregator:
    """:class:`~inpaint_core.export.temporal.NumpyAggregator` on a torch device: same inputs, same
    outputs (numpy), the per-reference warps, weights and sums computed in torch."""

    def __init__(self, fill_up: np.ndarray, geom: Geometry, opts, device: str) -> None:
        self.dev = torch_device(device)
        self.geom, self.opts = geom, opts
        self.fill_up = _chw(fill_up, self.dev)
        _, rh, rw = self.fill_up.shape
        self.acc = torch.zeros((3, rh, rw), dtype=torch.float32, device=self.dev)
        self.wsum = torch.zeros((rh, rw), dtype=torch.float32, device=self.dev)
        self.anyvalid = torch.zeros((rh, rw), dtype=torch.float32, device=self.dev)

    def add(self, fr, al, prior, timings: dict | None = None) -> None:
        geom, opts, dev = self.geom, self.opts, self.dev
        with timed(timings, "restore.resize"):
            small = _chw(fr.small, dev)
            blur_r = up_tensor(geom, small, al.rrect)
            res_r = _chw(fr.fullf(al.rrect), dev) - blur_r
        with timed(timings, "restore.warp"):
            lx = torch.from_numpy(np.ascontiguousarray(al.lx, np.float32)).to(dev)
            ly = torch.from_numpy(np.ascontiguousarray(al.ly, np.float32)).to(dev)
            res_w = remap(res_r, lx, ly)
            blur_w = remap(blur_r, lx, ly)
        with timed(timings, "restore.aggregate"):
            diff = self.fill_up - blur_w
            d = box_blur((diff * diff).mean(0, keepdim=True), 2 * int(round(geom.scale)) + 1)[0]
            valid = torch.from_numpy(al.valid).to(dev).to(torch.float32)
            if isinstance(prior, np.ndarray):
                prior = torch.from_numpy(prior.astype(np.float32)).to(dev)
            wgt = (torch.exp(-d / (2 * opts.sigma ** 2)) + 1e-4) * prior * valid
            if opts.lf_sigma:
                lf = torch.exp(-d / (2 * opts.lf_sigma ** 2))
                res_w = res_w - lf[None] * diff
            self.acc += res_w * wgt[None]
            self.wsum += wgt
            torch.maximum(self.anyvalid, valid, out=self.anyvalid)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        pos = self.wsum > 0
        out = torch.where(pos[None], self.acc / self.wsum.clamp_min(1e-12)[None], torch.zeros_like(self.acc))
        conf = gaussian_blur(self.anyvalid[None], max(1.0, self.geom.scale))[0] * self.anyvalid
        return _hwc(out), _hwc(conf[None])
