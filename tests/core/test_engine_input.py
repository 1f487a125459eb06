"""One truth for the engine's input (issue 16): the benchmark, the export, the preview and
``vanish inpaint`` give an engine the same prefilled frames and holes, pixel for pixel, and nothing
of what lay under the hole reaches it."""

from __future__ import annotations

import numpy as np
import pytest

from inpaint_core import engines
from inpaint_core import prefill as prefill_mod
from inpaint_core.bench.runner import engine_frames, run_engine
from inpaint_core.clipsource import ResizedClipSource
from inpaint_core.engines.base import Engine, Filled, Progress
from inpaint_core.export import fill_full_res
from inpaint_core.export.lowres import LowResPlan, LowResSource
from inpaint_core.export.residuals import Geometry
from inpaint_core.jobs import run_job
from tests.core.test_bench_honest import UNIQUE, _clip_with_unique_truth, _near_unique


class RecordingEngine(Engine):
    """Fills nothing (returns its input) and keeps every frame and hole it was given."""

    name = "recording"
    default_grow = 3
    seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def run(self, clip, frames=None, priority=None):
        for k, i in enumerate(range(clip.frame_count) if frames is None else frames):
            f, m = clip.frame(i), clip.mask(i)
            RecordingEngine.seen[i] = (f.copy(), m.copy())
            yield Filled(i, f)
            yield Progress(k + 1, clip.frame_count, "recording")


@pytest.fixture
def recording(monkeypatch):
    monkeypatch.setitem(engines.ENGINE_PATHS, "recording", f"{__name__}:RecordingEngine")
    RecordingEngine.seen = {}
    return RecordingEngine.seen


def _taken(seen: dict, n: int) -> tuple[np.ndarray, np.ndarray]:
    frames = np.stack([seen[i][0] for i in range(n)])
    holes = np.stack([seen[i][1] for i in range(n)])
    seen.clear()
    return frames, holes


def test_bench_export_preview_and_inpaint_give_the_engine_the_same_frames(recording):
    truth, masks = _clip_with_unique_truth()
    n, h, w = masks.shape
    burned = engine_frames(truth, masks, "flat", prefill=False)  # what a real clip holds: the object
    assert np.array_equal(burned[masks > 0].reshape(-1, 3)[0], [128, 128, 128])

    # the benchmark: the truth goes in, its hole is replaced and then prefilled
    run = run_job(run_engine("recording", truth, masks))
    assert run.status == "ok", run.reason
    bench_f, bench_m = _taken(recording, n)

    # the export (in memory, at the same working size, no extra growth): the clip with its object
    fill_full_res(list(burned), list(masks), RecordingEngine(), (w, h), "none", grow=0)
    export_f, export_m = _taken(recording, n)

    # the editor's preview (LowResSource builds frames like the export's FrameStore)
    plan = LowResPlan(Geometry((w, h), (w, h)), 0)
    preview = LowResSource(n, plan, RecordingEngine.default_grow, lambda i: burned[i], lambda i: masks[i])
    preview_f = np.stack([preview.frame(i) for i in range(n)])
    preview_m = np.stack([preview.mask(i) for i in range(n)])

    # vanish inpaint's clip source, with the engine's growth as inpaint_job passes it
    inp = ResizedClipSource(n, (w, h), (w, h), lambda i: burned[i], lambda i: masks[i],
                            grow=RecordingEngine.default_grow)
    inpaint_f = np.stack([inp.frame(i) for i in range(n)])
    inpaint_m = np.stack([inp.mask(i) for i in range(n)])

    for f, m in ((export_f, export_m), (preview_f, preview_m), (inpaint_f, inpaint_m)):
        assert np.array_equal(f, bench_f)
        assert np.array_equal(m, bench_m)
    holes = masks > 0
    # the engine's hole is the user's grown by its default_grow; the pixels beside it are the truth's
    assert bench_m[holes].all() and (bench_m > 0).sum() > holes.sum()
    assert np.array_equal(bench_f[~holes], truth[~holes])
    # the hole holds the prefill: neither the truth's colour nor the grey object under it
    assert _near_unique(bench_f, holes) == 0
    assert not (bench_f[holes] == 128).all(1).all()
    assert np.array_equal(bench_f, engine_frames(truth, masks))


@pytest.mark.parametrize("content", ["logo", "flat"])
def test_no_hole_colour_reaches_the_engine(content):
    truth, masks = _clip_with_unique_truth()
    seen = engine_frames(truth, masks, content)
    other = truth.copy()
    other[masks > 0] = (255, 0, 255)
    # whatever lay under the hole (the truth, a logo, grey, magenta), the engine is given the same
    assert np.array_equal(seen, engine_frames(other, masks, content))
    assert np.array_equal(seen, engine_frames(truth, masks, "flat" if content == "logo" else "logo"))
    # without the prefill (the switch every path reads) the hole's content is what it gets
    saved = prefill_mod.PREFILL
    try:
        prefill_mod.PREFILL = False
        raw = engine_frames(truth, masks, content)
    finally:
        prefill_mod.PREFILL = saved
    assert not np.array_equal(raw, seen)
    # the old optimistic input is the truth itself, not prefilled
    assert engine_frames(truth, masks, "truth") is truth
    assert _near_unique(engine_frames(truth, masks, "truth"), masks > 0) == (masks > 0).sum()
    assert not np.isin(seen[masks > 0], UNIQUE).all(1).any()


def test_telea_output_does_not_change_with_the_prefill():
    """Telea reads the mask only: the prefill leaves its fill as it was."""
    truth, masks = _clip_with_unique_truth()
    on = run_job(run_engine("telea", truth, masks)).frames
    saved = prefill_mod.PREFILL
    try:
        prefill_mod.PREFILL = False
        off = run_job(run_engine("telea", truth, masks)).frames
    finally:
        prefill_mod.PREFILL = saved
    assert np.array_equal(on, off)
