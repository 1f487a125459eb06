"""STTN generator and checkpoint loading: conformance with the released network, clear rejections."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inpaint_core.engines.sttn.checkpoint import load_checkpoint, verify_checkpoint
from inpaint_core.engines.sttn.network import MultiScaleAttention, STTNGenerator
from inpaint_core.errors import ModelError
from tests.shared import shared_path

pytestmark = pytest.mark.shared


def _fixture(name: str):
    return shared_path("fixtures", "sttn_reference", name)


@pytest.fixture(scope="module")
def released_state():
    return torch.load(_fixture("sttn_random_weights.pth"), map_location="cpu", weights_only=True)


def test_fixture_checkpoint_loads_and_verifies():
    info = verify_checkpoint(_fixture("sttn_random_weights.pth"))
    assert info == {"tensors": 112, "parameters": 16_556_163}
    state = load_checkpoint(_fixture("sttn_random_weights.pth"))
    assert tuple(state["transformer.3.attention.output_linear.0.weight"].shape) == (256, 256, 3, 3)
    assert tuple(state["decoder.6.bias"].shape) == (3,)


def test_network_parameter_layout_matches_released():
    net = STTNGenerator()
    sd = net.state_dict()
    assert len(sd) == 112
    assert sum(v.numel() for v in sd.values()) == 16_556_163
    for key in (
        "encoder.0.weight",
        "transformer.3.attention.query_embedding.weight",
        "transformer.3.attention.output_linear.0.weight",
        "transformer.3.feed_forward.conv.0.weight",
        "transformer.3.feed_forward.conv.2.bias",
        "decoder.0.conv.weight",
        "decoder.6.bias",
    ):
        assert key in sd


def test_forward_matches_reference_output():
    case = np.load(_fixture("sttn_reference_case.npz"))
    n = int(case["forward_frames"])
    net = STTNGenerator().eval()
    net.load_state_dict(load_checkpoint(_fixture("sttn_random_weights.pth")))
    frames = torch.from_numpy(case["frames"][:n]).permute(0, 3, 1, 2).float().div(255) * 2 - 1
    masks = torch.from_numpy(case["masks"][:n]).float()[:, None]
    with torch.inference_mode():
        out = net((frames * (1 - masks))[None], masks[None])[0]
    ref = torch.from_numpy(case["forward_output"])
    assert out.shape == ref.shape == (7, 3, 240, 432)
    assert (out - ref).abs().max().item() <= 1e-4


def _save(obj, path):
    torch.save(obj, path)
    return path


def test_missing_key_rejected(tmp_path, released_state):
    state = dict(released_state["netG"])
    del state["transformer.5.feed_forward.conv.2.weight"]
    p = _save({"netG": state}, tmp_path / "missing.pth")
    with pytest.raises(ModelError, match=r"missing key transformer\.5\.feed_forward\.conv\.2\.weight"):
        verify_checkpoint(p)


def test_wrong_shape_rejected(tmp_path, released_state):
    state = dict(released_state["netG"])
    state["decoder.6.weight"] = torch.zeros(4, 64, 3, 3)
    p = _save({"netG": state}, tmp_path / "shape.pth")
    with pytest.raises(
        ModelError, match=r"wrong shape for decoder\.6\.weight: \[4, 64, 3, 3\], expected \[3, 64, 3, 3\]"
    ):
        verify_checkpoint(p)


def test_unexpected_key_rejected(tmp_path, released_state):
    state = dict(released_state["netG"])
    state["extra.weight"] = torch.zeros(1)
    p = _save({"netG": state}, tmp_path / "extra.pth")
    with pytest.raises(ModelError, match=r"unexpected key extra\.weight"):
        verify_checkpoint(p)


def test_truncated_file_rejected(tmp_path):
    src = _fixture("sttn_random_weights.pth")
    p = tmp_path / "truncated.pth"
    p.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    with pytest.raises(ModelError, match="truncated or corrupted"):
        verify_checkpoint(p)


@pytest.mark.parametrize(
    "payload", [b"this is a text file, not weights\n" * 10, b"\x89PNG\r\n\x1a\n" + b"\0" * 64]
)
def test_non_torch_file_rejected(tmp_path, payload):
    p = tmp_path / "notes.pth"
    p.write_bytes(payload)
    with pytest.raises(ModelError, match="is not a PyTorch checkpoint"):
        verify_checkpoint(p)


def test_wrong_top_level_layout_rejected(tmp_path, released_state):
    bare = _save(dict(released_state["netG"]), tmp_path / "bare.pth")
    with pytest.raises(ModelError, match=r"wrong layout: expected a dictionary \{'netG'"):
        verify_checkpoint(bare)
    tensor = _save(torch.zeros(3), tmp_path / "tensor.pth")
    with pytest.raises(ModelError, match="found a Tensor"):
        verify_checkpoint(tensor)


def test_missing_file_rejected(tmp_path):
    with pytest.raises(ModelError, match="not found.*vanish models import sttn FILE"):
        verify_checkpoint(tmp_path / "nope.pth")


def test_non_finite_rejected(tmp_path, released_state):
    state = dict(released_state["netG"])
    bad = state["encoder.0.bias"].clone()
    bad[0] = float("nan")
    state["encoder.0.bias"] = bad
    p = _save({"netG": state}, tmp_path / "nan.pth")
    with pytest.raises(ModelError, match="NaN"):
        verify_checkpoint(p)


# --- attention options, on small inputs with small patch sizes -------------------------------


def _small_attention(seed=0):
    torch.manual_seed(seed)
    att = MultiScaleAttention(channels=8, patch_sizes=((8, 4), (2, 2))).eval()
    x = torch.randn(3, 8, 8, 8)  # B*T = 3 frames of 8x8 features
    m = torch.zeros(3, 1, 8, 8)
    m[1, :, 0:4, 0:4] = 1  # one 2x2-grid of small patches fully hole in frame 1
    return att, x, m


def test_masked_softmax_gives_hole_patches_no_attention():
    att, x, m = _small_attention()
    with torch.no_grad():
        _, probs = att(x, m, b=1, masked=True, want_attention=True)
        _, probs_unmasked = att(x, m, b=1, masked=False, want_attention=True)
    small = probs[1][0]  # head with 2x2 patches: 16 per frame, 48 in all
    assert small.shape == (48, 48)
    hole_cols = [16 + r * 4 + c for r in range(2) for c in range(2)]
    assert small[:, hole_cols].max().item() < 1e-6
    assert torch.allclose(small.sum(-1), torch.ones(48), atol=1e-5)
    assert probs_unmasked[1][0][:, hole_cols].min().item() > 0  # unmasked softmax attends to holes


def test_fused_attention_equals_explicit_in_float32():
    att, x, m = _small_attention(1)
    with torch.no_grad():
        for masked in (False, True):
            exact, _ = att(x, m, b=1, masked=masked)
            fused, _ = att(x, m, b=1, masked=masked, fused=True)
            assert (exact - fused).abs().max().item() < 1e-5


def test_masked_option_changes_full_network_output():
    torch.manual_seed(0)
    net = STTNGenerator().eval()
    frames = torch.rand(1, 2, 3, 240, 432) * 2 - 1
    masks = torch.zeros(1, 2, 1, 240, 432)
    masks[..., 40:200, 100:300] = 1
    with torch.inference_mode():
        a = net(frames * (1 - masks), masks, masked=False)
        b = net(frames * (1 - masks), masks, masked=True)
    assert a.shape == (1, 2, 3, 240, 432)
    assert (a - b).abs().max().item() > 1e-4
