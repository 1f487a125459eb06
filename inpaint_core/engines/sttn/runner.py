"""Runs the STTN generator on a device: encoding frames once, completing windows of features.

Two paths:

- **exact** (``fast=False``): float32 throughout, explicit matmul/softmax attention, contiguous
  tensors; on the CPU this reproduces the released network's arithmetic (the conformance path).
- **fast** (``fast=True``): on CUDA, autocast to bfloat16 (float16 where bf16 is unsupported) with
  fused attention (``scaled_dot_product_attention``); on a CPU whose instruction set has bfloat16
  (AVX512-BF16/AMX), autocast to bfloat16, otherwise float32, with explicit matmul attention: STTN's
  patch attention has head dimensions of 2,880 to 46,080 values, for which the CPU flash-attention
  kernel measured slower than two batched matmuls (3.3 s against 2.8 s per window here) — so on the
  CPU the gain comes from bf16 convolutions; channels-last convolutions. The choice was
  made by measurement (``tests/benchmarks/bench_sttn.py`` writes the numbers).

Everything runs under ``torch.inference_mode``. One inference at a time per device: each call takes
the device's slot (:mod:`inpaint_core.devices`: previews ahead of exports, one resident model per
device), so concurrent jobs interleave window by window.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ... import devices
from .network import PATCH_SIZES, STTNGenerator


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """'auto' -> CUDA when present, else CPU; anything else is passed to ``torch.device``."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def cpu_has_bf16() -> bool:
    """Whether oneDNN can run bfloat16 kernels natively on this CPU (AVX512-BF16 or AMX)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def fast_dtype(device: torch.device) -> torch.dtype:
    """The autocast dtype of the fast path on ``device`` (float32 means no autocast)."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "cpu" and cpu_has_bf16():
        return torch.bfloat16
    return torch.float32


@dataclass
class EncodedFrame:
    """A frame as the transformer needs it: features (256, 60, 108) and its 0/1 mask (1, 240, 432)."""

    feat: torch.Tensor
    mask: torch.Tensor


class NetworkRunner:
    """Holds a loaded generator on a device and runs the two steps of windowed completion.

    ``state``: a verified state dict (see :func:`.checkpoint.load_checkpoint`).
    """

    def __init__(
        self,
        state: dict[str, torch.Tensor],
        device: str | torch.device = "auto",
        fast: bool = True,
        masked_attention: bool = False,
        dtype: torch.dtype | None = None,
        channels_last: bool | None = None,
        fused: bool | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.fast = fast
        self.masked_attention = masked_attention
        self.dtype = (dtype or fast_dtype(self.device)) if fast else torch.float32
        self.channels_last = fast if channels_last is None else channels_last
        #: fused SDPA only where it pays (CUDA); on the CPU explicit bmm attention is faster here
        self.fused = fast and self.device.type == "cuda" if fused is None else fused
        net = STTNGenerator()
        net.load_state_dict(state, strict=True)
        net = net.to(self.device).eval()
        if self.channels_last:
            net = net.to(memory_format=torch.channels_last)
        self.net = net
        self._model = ("sttn", id(self))  # this runner's weights, as the device scheduler names them

    def _slot(self):
        """The device's slot for one step, with these weights resident on the device."""
        return devices.scheduler.slot(self.device, model=self._model, load=self._load, unload=self._unload)

    def _load(self) -> None:
        self.net.to(self.device)

    def _unload(self) -> None:  # another model takes the device: the weights wait in host memory
        if self.device.type != "cpu":
            self.net.to("cpu")
            torch.cuda.empty_cache()

    @property
    def description(self) -> str:
        """e.g. 'cpu, bfloat16 autocast, fused attention, channels-last' or 'cpu, float32 exact'."""
        if not self.fast:
            return f"{self.device.type}, float32 exact"
        parts = [self.device.type]
        parts.append(
            "float32" if self.dtype == torch.float32 else f"{str(self.dtype).split('.')[-1]} autocast"
        )
        parts.append("fused attention" if self.fused else "matmul attention")
        if self.channels_last:
            parts.append("channels-last")
        return ", ".join(parts)

    def _autocast(self):
        if self.dtype == torch.float32:
            return nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=self.dtype)

    def _fmt(self, x: torch.Tensor) -> torch.Tensor:
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def encode(self, frames: list[np.ndarray], masks: list[np.ndarray]) -> list[EncodedFrame]:
        """Encode frames once. frames: (240, 432, 3) uint8 RGB; masks: (240, 432) uint8 0/1."""
        rgb = torch.from_numpy(np.stack(frames)).to(self.device).permute(0, 3, 1, 2)
        m = torch.from_numpy(np.stack(masks)).to(self.device).float()[:, None]
        x = rgb.float().div(255) * 2 - 1
        x = self._fmt(x * (1 - m))
        with self._slot(), torch.inference_mode(), self._autocast():
            # the residual stream stays float32 (convolutions still run in the autocast dtype)
            feats = self.net.encode(x).float()
        return [EncodedFrame(feats[i : i + 1], m[i : i + 1]) for i in range(len(frames))]

    def complete(
        self, items: list[EncodedFrame], n_out: int, want_attention: bool = False
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Run the transformer over ``items`` (neighbours then references) and decode the first ``n_out``.

        Returns ``pred``: (n_out, 240, 432, 3) uint8 — ``(tanh + 1) / 2 * 255`` truncated, as in the
        released procedure — and, if ``want_attention``, ``weights``: (n_out, 60, 108, T) float32,
        each hole cell's last-layer attention share per window frame (mean over heads), 0 outside
        the hole.
        """
        feats = self._fmt(torch.cat([it.feat for it in items]))
        masks = torch.cat([it.mask for it in items])
        with self._slot(), torch.inference_mode():
            with self._autocast():
                out, probs = self.net.transform(
                    feats,
                    masks,
                    b=1,
                    masked=self.masked_attention,
                    fused=self.fused,
                    want_attention=want_attention,
                )
                img = self.net.decode(self._fmt(out[:n_out]))
            img = (img.float() + 1) / 2
            pred = (img.permute(0, 2, 3, 1).cpu().numpy() * 255).astype(np.uint8)
            weights = None
            if want_attention and probs is not None:
                weights = self._frame_weights(probs, masks, len(items), n_out)
        return pred, weights

    def _frame_weights(
        self, probs: list[torch.Tensor], masks: torch.Tensor, t: int, n_out: int
    ) -> np.ndarray:
        fh, fw = masks.shape[-2] // 4, masks.shape[-1] // 4
        total = torch.zeros(n_out, t, fh, fw, device=masks.device)
        for (pw, ph), p in zip(PATCH_SIZES, probs):
            oh, ow = fh // ph, fw // pw
            per = oh * ow  # patches per frame
            share = p[0, : n_out * per].float().reshape(n_out, per, t, per).sum(-1)  # (n_out, per, t)
            share = share.reshape(n_out, oh, ow, t).permute(0, 3, 1, 2)
            total += F.interpolate(share, scale_factor=(ph, pw), mode="nearest")
        total /= len(probs)
        hole = F.interpolate(masks[:n_out], scale_factor=0.25, mode="nearest") > 0
        total = total * hole
        return total.permute(0, 2, 3, 1).cpu().numpy().astype(np.float32)

    def release(self) -> None:
        """Free cached accelerator memory (between jobs)."""
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


__all__ = ["EncodedFrame", "NetworkRunner", "cpu_has_bf16", "fast_dtype", "resolve_device"]
