"""SAM 2.1: registry entries, structure check of a checkpoint, and the video predictor path run
end to end with a tiny SAM 2 built with random weights (skipped without the sam2 package)."""

from __future__ import annotations

import numpy as np
import pytest

from inpaint_core import models
from inpaint_core.errors import Cancelled, ModelError
from inpaint_core.jobs import CancelToken, Progress
from inpaint_core.segment import sam2video
from inpaint_core.segment.track import ListFrames, TrackedFrame

SIZES = {"tiny": "tiny", "small": "small", "base_plus": "base_plus", "large": "large"}


def test_registry_has_the_four_sam21_checkpoints():
    for kind, file_kind in SIZES.items():
        spec = models.get_spec(f"sam21_{kind}")
        assert spec.url() == f"https://dl.fbaipublicfiles.com/segment_anything_2/092824/sam2.1_hiera_{file_kind}.pt"
        assert spec.file_name == f"sam2.1_hiera_{file_kind}.pt"
        assert spec.structure == f"sam2:sam21_{kind}" and spec.sha256 is None  # no published hash
        assert "Apache" in spec.licence and "not published" in spec.manual
        assert f"sam21_{kind}" in sam2video.CONFIGS


def test_without_a_checkpoint_availability_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "none"))
    av = sam2video.available("sam21_tiny")
    assert not av.ok
    assert ("pip install sam2" in av.reason) or ("vanish models download sam21_tiny" in av.reason)
    assert not sam2video.available("sam21_huge").ok


@pytest.fixture(scope="module")
def tiny_predictor():
    """SAM 2.1 tiny's architecture with random weights at a 128 px input (tests only: a user path
    never builds a model without a verified checkpoint). Skips without the sam2 package."""
    pytest.importorskip("sam2", reason="the sam2 package is not installed (pip install sam2)")
    import torch

    torch.manual_seed(0)
    return sam2video.build_predictor(sam2video.CONFIGS["sam21_tiny"], None, "cpu",
                                     ["++model.image_size=128"])


def _frames(n=5, h=48, w=64):
    rng = np.random.default_rng(0)
    return [rng.integers(0, 256, (h, w, 3), dtype=np.uint8) for _ in range(n)]


@pytest.mark.slow
def test_video_predictor_end_to_end_with_prompts_on_two_frames(tiny_predictor):
    frames = _frames()
    key_mask = np.zeros((48, 64), np.uint8)
    key_mask[10:30, 20:40] = 255
    prompts = {0: sam2video.Prompt(box=(20, 10, 40, 30)), 3: sam2video.Prompt(mask=key_mask)}
    evs = list(sam2video.Sam2Tracker(tiny_predictor, ListFrames(frames)).track(prompts))
    tracked = [e for e in evs if isinstance(e, TrackedFrame)]
    assert [e.index for e in tracked] == list(range(5))
    for e in tracked:
        assert e.mask.shape == (48, 64) and e.mask.dtype == np.uint8
        assert set(np.unique(e.mask)) <= {0, 255}
        assert 0.0 <= e.confidence <= 1.0
    assert [e.index for e in tracked if e.keyframe] == [0, 3]
    # a mask prompt is taken as given on its frame (SAM 2 passes mask inputs through)
    got = tracked[3].mask > 0
    assert (got & (key_mask > 0)).sum() / max(1, (got | (key_mask > 0)).sum()) > 0.8
    prog = [e for e in evs if isinstance(e, Progress)]
    assert prog[0].done == 0 and prog[-1].done == prog[-1].total


@pytest.mark.slow
def test_video_predictor_cancellation(tiny_predictor):
    tok = CancelToken()
    n = 0
    with pytest.raises(Cancelled):
        for ev in sam2video.Sam2Tracker(tiny_predictor, ListFrames(_frames(6))).track(
                {0: sam2video.Prompt(points=[(30, 20)], labels=[1])}, cancel=tok):
            if isinstance(ev, Progress) and ev.done >= 2:
                tok.cancel()
            n += 1
    assert n < 12


def test_structure_check_accepts_the_architecture_and_rejects_others(tiny_predictor, tmp_path):
    import torch

    from inpaint_core.models.sam2_checkpoint import check_sam2

    state = {k: v.detach().clone() for k, v in tiny_predictor.state_dict().items()}
    good = tmp_path / "sam2.1_hiera_tiny.pt"
    torch.save({"model": state}, good)
    check_sam2("sam21_tiny", good)
    with pytest.raises(ModelError, match="not a valid SAM 2.1 checkpoint for sam21_small"):
        check_sam2("sam21_small", good)
    state.pop(next(iter(state)))
    broken = tmp_path / "broken.pt"
    torch.save({"model": state}, broken)
    with pytest.raises(ModelError, match="not a valid SAM 2.1"):
        check_sam2("sam21_tiny", broken)
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="cannot be loaded"):
        check_sam2("sam21_tiny", junk)
