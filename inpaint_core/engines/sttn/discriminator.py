"""T-PatchGAN discriminator of STTN (paper, Table 5), for the training work that follows.

Six 3D convolutions with kernel 3x5x5 (time x height x width), stride 1x2x2 and channels
64, 128, 256, 256, 256, 256, each spectral-normalised, LeakyReLU(0.2) between them and no
activation after the last (the hinge/GAN loss is applied to the raw scores). Each output cell is a
score for one spatio-temporal patch of the input.

Shapes: input (B, T, 3, H, W) float in [-1, 1]; output (B, T, 256, ceil(H/64), ceil(W/64)) —
for 432x240 frames, (B, T, 256, 4, 7). Time is never down-sampled.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

#: output channels of the six convolutions
CHANNELS: tuple[int, ...] = (64, 128, 256, 256, 256, 256)


class TPatchGAN(nn.Module):
    """Temporal PatchGAN: scores spatio-temporal patches of a clip as real or completed."""

    def __init__(self, in_channels: int = 3, channels: tuple[int, ...] = CHANNELS) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = in_channels
        for i, cout in enumerate(channels):
            conv = nn.Conv3d(
                cin, cout, kernel_size=(3, 5, 5), stride=(1, 2, 2), padding=(1, 2, 2), bias=False
            )
            layers.append(spectral_norm(conv))
            if i < len(channels) - 1:
                layers.append(nn.LeakyReLU(0.2, inplace=True))
            cin = cout
        self.conv = nn.Sequential(*layers)

    def forward(self, clips: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B, T, 256, ceil(H/64), ceil(W/64)) patch scores."""
        x = clips.transpose(1, 2)  # B, C, T, H, W
        return self.conv(x).transpose(1, 2)
