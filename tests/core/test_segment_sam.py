"""SAM session plumbing with a tiny random-weight model (see tests/core/sam_tiny.py)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from inpaint_core.errors import EngineUnavailable, ModelError
from inpaint_core.segment.prompts import segment_prompt
from inpaint_core.segment.result import METHOD_GRABCUT, METHOD_SAM
from inpaint_core.segment.sam import SamSession, available, load_sam
from tests.core.sam_tiny import IMG, tiny_sam


def _img(h=50, w=80, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def model():
    return tiny_sam()


class _Recorder:
    """Wraps the prompt encoder's forward and records the prompts SAM actually receives."""

    def __init__(self, model):
        self.calls = []
        self._orig = model.prompt_encoder.forward

        def fwd(points, boxes, masks):
            self.calls.append((points, boxes, masks))
            return self._orig(points, boxes, masks)

        model.prompt_encoder.forward = fwd
        self.model = model

    def close(self):
        del self.model.prompt_encoder.forward


def test_prompts_are_transformed_to_the_model_input_and_masks_come_back_at_frame_size(model):
    img = _img(50, 80)  # long side 80 -> 64, short side 50 -> 40: scale 0.8 both ways
    rec = _Recorder(model)
    try:
        with SamSession(model) as s:
            res = s.predict(3, points=[(10, 20), (50, 40)], labels=[1, 0], image=img)
            coords, labels = rec.calls[-1][0]
            assert torch.allclose(coords[0], torch.tensor([[8.0, 16.0], [40.0, 32.0]]))
            assert labels[0].tolist() == [1, 0]
            assert res.mask.shape == (50, 80) and res.mask.dtype == np.uint8
            assert set(np.unique(res.mask)) <= {0, 255}
            assert res.method == METHOD_SAM and not res.is_fallback
            grid = 4 * (IMG // 8)
            assert res.logits.shape == (grid, grid)
            res2 = s.predict(3, box=(5, 10, 75, 45), mask_logits=res.logits, image=img)
            _, boxes, masks = rec.calls[-1]
            assert torch.allclose(boxes, torch.tensor([[4.0, 8.0, 60.0, 36.0]]))
            assert masks.shape == (1, 1, grid, grid)
            assert res2.mask.shape == (50, 80)
    finally:
        rec.close()


def test_single_click_uses_multimask_and_keeps_the_best_scored(model):
    img = _img()
    with SamSession(model) as s:
        r = s.predict(0, points=[(30, 30)], image=img)
        emb = s.embedding(0, img)
        with torch.no_grad():
            sp, de = model.prompt_encoder(points=(torch.tensor([[[24.0, 24.0]]]), torch.tensor([[1]])),
                                          boxes=None, masks=None)
            _, scores = model.mask_decoder(emb.features, model.prompt_encoder.get_dense_pe(), sp, de, True)
        assert scores.shape[1] == 3
        assert r.score == pytest.approx(float(np.clip(scores.max().item(), 0, 1)), abs=1e-5)


def test_embedding_cache_hits_and_count_bound(model):
    frames = {i: _img(seed=i) for i in range(4)}
    with SamSession(model, frames.__getitem__, cache_items=2) as s:
        s.predict(0, points=[(5, 5)])
        s.predict(0, points=[(9, 9)])
        assert s.cache.hits == 1 and s.cache.misses == 1
        s.embedding(1)
        s.embedding(2)
        assert len(s.cache) == 2
        assert not s.has_embedding(0) and s.has_embedding(1) and s.has_embedding(2)
        s.embedding(1)  # touch: 2 becomes least recently used
        s.embedding(3)
        assert s.has_embedding(1) and s.has_embedding(3) and not s.has_embedding(2)


def test_embedding_cache_byte_bound(model):
    frames = {i: _img(seed=i) for i in range(5)}
    with SamSession(model, frames.__getitem__, cache_items=None) as s:
        one = s.embedding(0).nbytes
        s.cache.max_bytes = int(one * 2.5)
        for i in range(1, 5):
            s.embedding(i)
        assert len(s.cache) == 2 and s.cache.nbytes <= s.cache.max_bytes
        assert s.has_embedding(3) and s.has_embedding(4)


def test_prefetch_computes_ahead_and_skips_cached(model):
    calls = []

    def frame(i):
        calls.append(i)
        return _img(seed=i)

    with SamSession(model, frame) as s:
        job = s.prefetch([2, 3, 4])
        assert job.wait(30)
        assert job.computed == [2, 3, 4]
        assert all(s.has_embedding(i) for i in (2, 3, 4))
        job2 = s.prefetch([3, 4, 5])
        assert job2.wait(30) and job2.computed == [5]
        n = s.cache.hits
        s.predict(4, points=[(10, 10)])
        assert s.cache.hits == n + 1  # answered from the prefetched embedding


def test_prefetch_cancellation_and_newer_request_cancels_older(model):
    gate = threading.Event()
    entered = threading.Event()

    def frame(i):
        if i == 1:
            entered.set()
            gate.wait(10)
        return _img(seed=i)

    with SamSession(model, frame) as s:
        job = s.prefetch([0, 1, 2, 3])
        assert entered.wait(10)
        newer = s.prefetch([7])  # the user moved on: the old request is cancelled
        assert job.cancelled
        gate.set()
        assert job.wait(30) and newer.wait(30)
        assert job.computed == [0]
        assert not s.has_embedding(2) and not s.has_embedding(3)
        assert newer.computed == [7]


def test_without_checkpoint_says_how_to_install_and_fallback_works(tmp_path, monkeypatch):
    monkeypatch.setattr("inpaint_core.segment.sam.find_checkpoint", lambda mt="vit_b": None)
    av = available("vit_b")
    assert not av.ok
    assert "vanish models download sam_vit_b" in av.reason
    assert "vanish models import sam_vit_b FILE" in av.reason
    with pytest.raises(EngineUnavailable, match="vanish models download sam_vit_b"):
        load_sam("vit_b")
    img = np.full((60, 80, 3), (30, 140, 40), np.uint8)
    img[20:40, 30:55] = (220, 40, 40)
    res = segment_prompt(img, box=(25, 15, 60, 45))
    assert res.method == METHOD_GRABCUT == "grabcut (fallback)"
    assert res.mask[30, 40] == 255 and res.mask[5, 5] == 0


def test_bad_checkpoint_files_are_clear_model_errors(tmp_path, model):
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelError, match="not a readable PyTorch checkpoint"):
        load_sam("vit_b", junk)
    with pytest.raises(ModelError, match="not found"):
        load_sam("vit_b", tmp_path / "missing.pth")
    small = tmp_path / "tiny.pth"
    torch.save(model.state_dict(), small)
    with pytest.raises(ModelError, match="not a SAM vit_b checkpoint"):
        load_sam("vit_b", small)


def test_store_without_sam_checkpoint_is_unavailable():
    # tests run against an empty temporary model store (VANISH_TESTING)
    av = available("sam_vit_l")
    assert not av.ok and "vanish models download sam_vit_l" in av.reason
    assert not available("vit_x").ok


def test_sam_refiner_tracks_with_sam_labels_and_caches_each_frame(model):
    from inpaint_core.segment.prompts import SamRefiner
    from inpaint_core.segment.track import KEY, ListFrames, MaskTracker, TrackedFrame

    frames = [_img(seed=i) for i in range(5)]
    key = np.zeros((50, 80), np.uint8)
    key[15:35, 20:50] = 255
    with SamSession(model, frames.__getitem__) as s:
        tracker = MaskTracker(ListFrames(frames), SamRefiner(s), work_long_side=None)
        out = [ev for ev in tracker.track({0: key}) if isinstance(ev, TrackedFrame)]
        assert [f.index for f in out] == [0, 1, 2, 3, 4]
        assert out[0].method == KEY
        assert all(f.method == METHOD_SAM and f.mask.shape == (50, 80) for f in out[1:])
        # every tracked frame that SAM refined has its embedding cached at the frame's size
        refined = [f.index for f in out[1:] if not f.lost]
        assert refined and all(s.has_embedding(i, (50, 80)) for i in refined)


def test_prompt_on_a_frame_being_prefetched_waits_instead_of_encoding_twice(model):
    gate = threading.Event()
    entered = threading.Event()
    loads = []

    def frame(i):
        loads.append(i)
        if i == 2 and not entered.is_set():
            entered.set()
            gate.wait(10)
        return _img(seed=i)

    with SamSession(model, frame) as s:
        encodes = []
        orig = s.encode
        s.encode = lambda img: encodes.append(1) or orig(img)
        job = s.prefetch([2])
        assert entered.wait(10)
        threading.Timer(0.3, gate.set).start()
        res = s.predict(2, points=[(10, 10)])  # the user clicks the frame being prefetched
        assert res.mask.shape == (50, 80)
        assert job.wait(30) and job.computed == [2]
        assert len(encodes) == 1 and s.cache.hits >= 1
