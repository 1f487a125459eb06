"""The STTN generator (Zeng, Fu, Chao, ECCV 2020), written from the facts in DESIGN.md.

Parameter names follow the layout of the released checkpoints (``encoder.0.weight``,
``transformer.3.attention.query_embedding.weight``, ``decoder.6.bias`` ...), so a released
``sttn.pth`` loads with ``load_state_dict(strict=True)``.

Shapes (T frames, working size 432x240, features at 1/4: 108x60):

- input frames: (B, T, 3, 240, 432) float32 in [-1, 1], already multiplied by ``1 - mask``;
- masks: (B, T, 1, 240, 432) float32, 1 = hole, 0 = keep;
- features: (B*T, 256, 60, 108);
- output: (B, T, 3, 240, 432) float32 in [-1, 1] (after tanh).

Attention options (per call, so one network serves both paths):

- ``masked``: the masked softmax of the paper's Eq. 4 (key patches that are mostly hole get no
  attention). Off by default: the released weights were trained with an unmasked softmax.
- ``fused``: use ``torch.nn.functional.scaled_dot_product_attention`` (the fast path). The default
  explicit matmul/softmax is the exact float32 path used for conformance.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

#: feature channels and transformer depth of the released model
CHANNELS = 256
DEPTH = 8
#: patch sizes (width, height) of the four heads, at feature resolution (108x60)
PATCH_SIZES: tuple[tuple[int, int], ...] = ((108, 60), (36, 20), (18, 10), (9, 5))
#: the only input size the released model supports (width, height)
WORK_SIZE = (432, 240)
FEATURE_SIZE = (WORK_SIZE[0] // 4, WORK_SIZE[1] // 4)
_NEG = -1e9


def _lrelu() -> nn.LeakyReLU:
    return nn.LeakyReLU(0.2, inplace=True)


class UpConv(nn.Module):
    """Bilinear x2 upsampling (align_corners=True) followed by a 3x3 convolution (``.conv``)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel_size=3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)
        return self.conv(x)


def _to_patches(x: torch.Tensor, b: int, pw: int, ph: int) -> torch.Tensor:
    """(B*T, d, H, W) -> (B, T*oh*ow, d*ph*pw): one row per patch of every frame."""
    bt, d, h, w = x.shape
    t, oh, ow = bt // b, h // ph, w // pw
    x = x.reshape(b, t, d, oh, ph, ow, pw).permute(0, 1, 3, 5, 2, 4, 6)
    return x.reshape(b, t * oh * ow, d * ph * pw)


def _from_patches(y: torch.Tensor, bt: int, d: int, h: int, w: int, pw: int, ph: int) -> torch.Tensor:
    """Inverse of :func:`_to_patches`: (B, T*oh*ow, d*ph*pw) -> (B*T, d, H, W)."""
    b = y.shape[0]
    t, oh, ow = bt // b, h // ph, w // pw
    y = y.reshape(b, t, oh, ow, d, ph, pw).permute(0, 1, 4, 2, 5, 3, 6)
    return y.reshape(bt, d, h, w)


def hole_patches(m: torch.Tensor, b: int, pw: int, ph: int) -> torch.Tensor:
    """Which key patches are mostly hole: masks (B*T, 1, h, w) -> bool (B, T*oh*ow)."""
    return _to_patches(m, b, pw, ph).mean(-1) > 0.5


class MultiScaleAttention(nn.Module):
    """Multi-head patch attention: each head takes ``CHANNELS/heads`` channels and its own patch size.

    Within a head every patch of every frame is a token whose vector is the patch's values
    (``d * ph * pw`` numbers); scores are divided by the square root of that length.
    """

    def __init__(self, channels: int = CHANNELS, patch_sizes=PATCH_SIZES) -> None:
        super().__init__()
        self.patch_sizes = tuple(patch_sizes)
        self.query_embedding = nn.Conv2d(channels, channels, kernel_size=1)
        self.value_embedding = nn.Conv2d(channels, channels, kernel_size=1)
        self.key_embedding = nn.Conv2d(channels, channels, kernel_size=1)
        self.output_linear = nn.Sequential(nn.Conv2d(channels, channels, kernel_size=3, padding=1), _lrelu())

    def forward(
        self,
        x: torch.Tensor,
        m: torch.Tensor,
        b: int,
        masked: bool = False,
        fused: bool = False,
        want_attention: bool = False,
    ) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """x: (B*T, C, h, w) features; m: (B*T, 1, h, w) 0/1 hole mask at feature size.

        Returns the block's attention output (B*T, C, h, w) and, if ``want_attention``, one
        probability tensor (B, N_head, N_head) per head (rows: query patches, columns: key patches,
        both ordered frame-major as in :func:`_to_patches`).
        """
        bt, c, h, w = x.shape
        d = c // len(self.patch_sizes)
        qs = self.query_embedding(x).split(d, dim=1)
        ks = self.key_embedding(x).split(d, dim=1)
        vs = self.value_embedding(x).split(d, dim=1)
        outs: list[torch.Tensor] = []
        probs: list[torch.Tensor] | None = [] if want_attention else None
        for (pw, ph), q, k, v in zip(self.patch_sizes, qs, ks, vs):
            q, k, v = (_to_patches(t, b, pw, ph) for t in (q, k, v))
            key_hole = hole_patches(m, b, pw, ph) if masked else None
            if key_hole is not None:
                # a query must attend to something: where every key is a hole, unmask them all
                key_hole = key_hole & ~key_hole.all(dim=-1, keepdim=True)
            if fused and not want_attention:
                allow = None if key_hole is None else (~key_hole)[:, None, :]
                y = F.scaled_dot_product_attention(q, k, v, attn_mask=allow)
            else:
                scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(q.size(-1))
                if key_hole is not None:
                    scores = scores.masked_fill(key_hole[:, None, :], _NEG)
                p = F.softmax(scores.float(), dim=-1)  # float32 even under autocast
                y = torch.matmul(p.to(v.dtype), v)
                if probs is not None:
                    probs.append(p)
            outs.append(_from_patches(y, bt, d, h, w, pw, ph))
        return self.output_linear(torch.cat(outs, dim=1)), probs


class FeedForward(nn.Module):
    """Dilated (2) 3x3 conv + LeakyReLU, then 3x3 conv + LeakyReLU (``conv.0`` and ``conv.2``)."""

    def __init__(self, channels: int = CHANNELS) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size=3, padding=2, dilation=2),
            _lrelu(),
            nn.Conv2d(channels, channels, kernel_size=3, padding=1),
            _lrelu(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class TransformerBlock(nn.Module):
    """Residual multi-scale attention followed by a residual feed-forward."""

    def __init__(self, channels: int = CHANNELS, patch_sizes=PATCH_SIZES) -> None:
        super().__init__()
        self.attention = MultiScaleAttention(channels, patch_sizes)
        self.feed_forward = FeedForward(channels)

    def forward(self, x, m, b, masked=False, fused=False, want_attention=False):
        a, probs = self.attention(x, m, b, masked=masked, fused=fused, want_attention=want_attention)
        x = x + a
        x = x + self.feed_forward(x)
        return x, probs


class STTNGenerator(nn.Module):
    """Encoder, eight transformer blocks, decoder. See the module docstring for shapes."""

    def __init__(self, channels: int = CHANNELS, depth: int = DEPTH, patch_sizes=PATCH_SIZES) -> None:
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=3, stride=2, padding=1),
            _lrelu(),
            nn.Conv2d(64, 64, kernel_size=3, padding=1),
            _lrelu(),
            nn.Conv2d(64, 128, kernel_size=3, stride=2, padding=1),
            _lrelu(),
            nn.Conv2d(128, channels, kernel_size=3, padding=1),
            _lrelu(),
        )
        self.transformer = nn.ModuleList(TransformerBlock(channels, patch_sizes) for _ in range(depth))
        self.decoder = nn.Sequential(
            UpConv(channels, 128),
            _lrelu(),
            nn.Conv2d(128, 64, kernel_size=3, padding=1),
            _lrelu(),
            UpConv(64, 64),
            _lrelu(),
            nn.Conv2d(64, 3, kernel_size=3, padding=1),
        )

    def encode(self, masked_frames: torch.Tensor) -> torch.Tensor:
        """(N, 3, 240, 432) in [-1, 1] (holes zeroed) -> (N, 256, 60, 108) features."""
        return self.encoder(masked_frames)

    def transform(
        self,
        feats: torch.Tensor,
        masks: torch.Tensor,
        b: int = 1,
        masked: bool = False,
        fused: bool = False,
        want_attention: bool = False,
    ) -> tuple[torch.Tensor, list[torch.Tensor] | None]:
        """Run the transformer over the features of B clips of T frames each.

        feats: (B*T, 256, 60, 108); masks: (B*T, 1, 240, 432) 0/1, brought to feature size by nearest
        interpolation with scale 1/4. Returns features of the same shape and, if ``want_attention``,
        the last block's per-head attention probabilities.
        """
        m = F.interpolate(masks, scale_factor=0.25, mode="nearest")
        probs = None
        last = len(self.transformer) - 1
        for i, block in enumerate(self.transformer):
            feats, probs = block(
                feats, m, b, masked=masked, fused=fused, want_attention=want_attention and i == last
            )
        return feats, probs

    def decode(self, feats: torch.Tensor) -> torch.Tensor:
        """(N, 256, 60, 108) features -> (N, 3, 240, 432) in [-1, 1] (tanh applied)."""
        return torch.tanh(self.decoder(feats))

    def forward(self, masked_frames: torch.Tensor, masks: torch.Tensor, masked: bool = False) -> torch.Tensor:
        """(B, T, 3, H, W) masked frames in [-1, 1] and (B, T, 1, H, W) masks -> (B, T, 3, H, W)."""
        b, t, c, h, w = masked_frames.shape
        feats = self.encode(masked_frames.reshape(b * t, c, h, w))
        feats, _ = self.transform(feats, masks.reshape(b * t, 1, h, w), b=b, masked=masked)
        return self.decode(feats).reshape(b, t, 3, h, w)


def build_generator(device: str | torch.device = "cpu") -> STTNGenerator:
    """An uninitialised-for-use generator in eval mode (load a checkpoint before using it)."""
    return STTNGenerator().to(device).eval()
