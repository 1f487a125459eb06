"""STTN engine: availability without weights, construction from a checkpoint, real network runs."""

from __future__ import annotations

import numpy as np
import pytest

from inpaint_core.clipsource import ArrayClipSource
from inpaint_core.engines import availability, create_engine
from inpaint_core.engines.base import AttentionCorrespondence, Filled
from inpaint_core.engines.sttn import engine as engine_mod
from inpaint_core.engines.sttn.engine import STTNEngine
from inpaint_core.errors import EngineUnavailable, ModelError, VanishError
from tests.shared import shared_path


def _weights():
    return shared_path("fixtures", "sttn_reference", "sttn_random_weights.pth")


@pytest.fixture
def no_store(monkeypatch):
    """No checkpoint in the model store (whatever the store module looks like in this build)."""
    monkeypatch.setattr(engine_mod, "installed_checkpoint", lambda: (None, engine_mod.NOT_INSTALLED))


def test_unavailable_without_checkpoint_says_how_to_get_one(no_store):
    avail = STTNEngine.available()
    assert not avail.ok
    assert "vanish models import sttn FILE" in avail.reason
    assert "1ZAMV8547wmZylKRt5qR_tC5VlosXD4Wv" in avail.reason
    assert not availability("sttn").ok
    with pytest.raises(EngineUnavailable, match="sttn.pth"):
        STTNEngine()
    with pytest.raises(EngineUnavailable, match="vanish models import sttn FILE"):
        create_engine("sttn")


def test_empty_model_store_means_unavailable(tmp_path, monkeypatch):
    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "store"))
    avail = STTNEngine.available()
    assert not avail.ok and "vanish models import sttn FILE" in avail.reason
    with pytest.raises(EngineUnavailable, match="not installed"):
        STTNEngine(device="cpu")


@pytest.mark.shared
def test_imported_checkpoint_makes_engine_available(tmp_path, monkeypatch):
    from inpaint_core.models import import_model, installed_path

    monkeypatch.setenv("VANISH_MODELS_DIR", str(tmp_path / "store"))
    import_model("sttn", _weights())
    assert installed_path("sttn") is not None
    assert STTNEngine.available().ok
    eng = create_engine("sttn", device="cpu")
    assert eng.checkpoint == installed_path("sttn")


def test_bad_checkpoint_rejected(tmp_path):
    bad = tmp_path / "sttn.pth"
    bad.write_text("not weights")
    with pytest.raises(ModelError, match="not a PyTorch checkpoint"):
        STTNEngine(checkpoint=bad)
    with pytest.raises(ModelError, match="not found"):
        create_engine("sttn", checkpoint=str(tmp_path / "missing.pth"))


@pytest.mark.shared
def test_explicit_checkpoint_and_wrong_size_clip():
    eng = create_engine("sttn", checkpoint=str(_weights()), device="cpu")
    assert isinstance(eng, STTNEngine)
    assert eng.fixed_size == (432, 240) and eng.default_grow == 4 and eng.name == "sttn"
    clip = ArrayClipSource(np.zeros((2, 100, 100, 3), np.uint8), np.zeros((2, 100, 100), np.uint8))
    with pytest.raises(VanishError, match="432x240"):
        list(eng.run(clip))


@pytest.mark.shared
def test_fast_path_fills_only_the_hole_and_reports_attention():
    case = np.load(shared_path("fixtures", "sttn_reference", "sttn_reference_case.npz"))
    frames, masks = case["frames"][:3], case["masks"][:3] * 255
    eng = STTNEngine(checkpoint=_weights(), device="cpu", fast=True)
    # the CPU fast path completes each frame in one tiled window; the exact path keeps the release's
    assert eng.overlap is False and "tiled windows" in eng.description
    assert STTNEngine(checkpoint=_weights(), device="cpu", fast=False).overlap is True
    assert STTNEngine(checkpoint=_weights(), device="cpu", fast=True, overlap=True).overlap is True
    events = list(eng.run(ArrayClipSource(frames, masks)))
    out = [e for e in events if isinstance(e, Filled)]
    assert [e.index for e in out] == [0, 1, 2]
    for e in out:
        hole = masks[e.index] > 0
        assert e.rgb.shape == (240, 432, 3) and e.rgb.dtype == np.uint8
        np.testing.assert_array_equal(e.rgb[~hole], frames[e.index][~hole])
        assert (e.rgb[hole] != frames[e.index][hole]).mean() > 0.5
        c = e.correspondence
        assert isinstance(c, AttentionCorrespondence) and c.frames == [0, 1, 2]
        assert c.weights.shape == (60, 108, 3)
        hole_cells = hole[::4, ::4]
        np.testing.assert_allclose(c.weights.sum(-1)[hole_cells], 1.0, atol=1e-3)
        assert np.all(c.weights[~hole_cells] == 0)


@pytest.mark.shared
@pytest.mark.slow
def test_windowed_exact_path_matches_reference():
    """The released windowed procedure over 30 frames (six windows: ~2-3 minutes on 2 cores)."""
    case = np.load(shared_path("fixtures", "sttn_reference", "sttn_reference_case.npz"))
    eng = STTNEngine(checkpoint=_weights(), device="cpu", fast=False, correspondence=False)
    clip = ArrayClipSource(case["frames"], case["masks"] * 255, grow=0)
    out = {e.index: e.rgb for e in eng.run(clip) if isinstance(e, Filled)}
    got = np.stack([out[i] for i in range(30)]).astype(np.int16)
    ref = case["windowed_output"].astype(np.int16)
    diff = np.abs(got - ref)
    assert diff.max() <= 1
    assert (diff > 0).sum() <= 50  # rare truncation-boundary cases only
