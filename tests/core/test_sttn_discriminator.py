"""T-PatchGAN discriminator: shapes and spectral normalisation (training is another issue)."""

from __future__ import annotations

import torch

from inpaint_core.engines.sttn.discriminator import TPatchGAN


def test_output_shape_for_working_size():
    disc = TPatchGAN().eval()
    with torch.no_grad():
        out = disc(torch.rand(1, 2, 3, 240, 432) * 2 - 1)
    assert out.shape == (1, 2, 256, 4, 7)


def test_six_spectral_normalised_3d_convs():
    disc = TPatchGAN()
    convs = [m for m in disc.modules() if isinstance(m, torch.nn.Conv3d)]
    assert len(convs) == 6
    assert [c.out_channels for c in convs] == [64, 128, 256, 256, 256, 256]
    assert all(c.kernel_size == (3, 5, 5) and c.stride == (1, 2, 2) for c in convs)
    assert all(hasattr(c, "parametrizations") and "weight" in c.parametrizations for c in convs)


def test_odd_sizes_and_gradients_flow():
    disc = TPatchGAN()
    x = torch.randn(1, 5, 3, 64, 96, requires_grad=True)
    out = disc(x)
    assert out.shape == (1, 5, 256, 1, 2)
    out.mean().backward()
    assert x.grad is not None and x.grad.abs().sum().item() > 0
