"""The fill benchmark never shows an engine the truth inside the hole (issue 16: honest benchmark)."""

import json

import numpy as np
import pytest

from inpaint_core import engines
from inpaint_core.bench.occlude import LOGO_DARK, LOGO_LIGHT, occlude
from inpaint_core.bench.runner import run_engine, score_run
from inpaint_core.cli import main
from inpaint_core.errors import VanishError
from inpaint_core.jobs import run_job
from tests.core.test_bench import IdentityEngine, _write_clip

UNIQUE = np.array([0, 255, 0], np.uint8)  # appears nowhere in the clip but inside the hole's truth


@pytest.fixture
def identity(monkeypatch):
    monkeypatch.setitem(engines.ENGINE_PATHS, "identity", f"{IdentityEngine.__module__}:IdentityEngine")


def _clip_with_unique_truth(n=8, w=96, h=64):
    """A sliding grey texture; under a stationary hole the truth is a colour found nowhere else."""
    rng = np.random.default_rng(1)
    big = (rng.random((h, w + 2 * n)) * 120 + 60).astype(np.uint8)
    frames = np.stack([np.repeat(big[:, 2 * i:2 * i + w, None], 3, 2) for i in range(n)])
    masks = np.zeros((n, h, w), np.uint8)
    masks[:, 20:44, 30:62] = 255
    frames[masks > 0] = UNIQUE
    return frames, masks


def _near_unique(img, hole):
    return int((np.abs(img[hole].astype(int) - UNIQUE).max(1) < 40).sum())


def test_no_engine_sees_the_truth_inside_the_hole(identity):
    frames, masks = _clip_with_unique_truth()
    holes = masks > 0
    # the control: the old input hands the truth to an engine that reads the hole...
    leaked = run_job(run_engine("identity", frames, masks, hole_content="truth")).frames
    assert _near_unique(leaked, holes) == holes.sum()
    # ...the benchmark's default does not, for that engine or the real ones
    for name in ("identity", "telea", "propagate"):
        run = run_job(run_engine(name, frames, masks))
        assert run.status == "ok", run.reason
        assert _near_unique(run.frames, holes) == 0, name
        # outside the (grown) hole the result is still the true picture
        far = np.ones_like(holes)
        far[:, 14:50, 24:68] = False
        assert np.array_equal(run.frames[far], frames[far]), name
    # the identity engine shows what it was given: not the burned-in logo either, but the prefill
    # every engine path applies (the surroundings' colours), and it is scored on the truth
    run = run_job(run_engine("identity", frames, masks))
    seen = run.frames[holes]
    is_logo = (seen == LOGO_LIGHT).all(1) | (seen == LOGO_DARK).all(1)
    assert not is_logo.any()
    known = frames[~holes]
    assert known.min() <= seen.min() and seen.max() <= known.max()
    assert score_run(run, frames, masks)["psnr_hole"] < 10
    # the unprefilled input (the switch every path reads) holds the logo
    from inpaint_core import prefill

    prefill.PREFILL = False
    try:
        raw = run_job(run_engine("identity", frames, masks)).frames[holes]
    finally:
        prefill.PREFILL = True
    is_logo = (raw == LOGO_LIGHT).all(1) | (raw == LOGO_DARK).all(1)
    assert is_logo.all() and (raw == LOGO_LIGHT).all(1).mean() > 0.3


def test_logo_is_still_under_a_still_hole_and_moves_with_a_moving_one():
    frames = np.zeros((3, 40, 60, 3), np.uint8)
    still = np.zeros((3, 40, 60), np.uint8)
    still[:, 10:30, 10:40] = 1
    out = occlude(frames, still)
    assert np.array_equal(out[0], out[2]) and not np.array_equal(out[0], frames[0])
    moving = np.zeros_like(still)
    for t in range(3):
        moving[t, 10:30, 10 + 5 * t:40 + 5 * t] = 1
    out = occlude(frames, moving)
    assert np.array_equal(out[0][10:30, 10:40], out[2][10:30, 20:50])
    assert np.array_equal(out[0][moving[0] == 0], frames[0][moving[0] == 0])
    flat = occlude(frames, still, "flat")
    assert (flat[still > 0] == 128).all()
    assert occlude(frames, still, "truth") is frames
    with pytest.raises(VanishError, match="hole content"):
        occlude(frames, still, "blur")


def test_cli_bench_default_is_honest_and_truth_is_an_opt_out(tmp_path, identity):
    clip = tmp_path / "c"
    _write_clip(clip, n=5)
    res = {}
    for mode in ("default", "truth"):
        out = tmp_path / f"{mode}.json"
        extra = [] if mode == "default" else ["--hole-content", "truth"]
        assert main(["bench", "--engine", "identity", "--clips", str(clip), "--frames", "5", "--size", "160x96",
                     "--out", str(out), "--no-warp", *extra]) == 0
        res[mode] = json.loads(out.read_text())
    honest, old = res["default"], res["truth"]
    assert honest["config"]["hole_content"] == "logo" and honest["clips"][0]["hole_content"] == "logo"
    assert any("never see the truth" in n for n in honest["notes"])
    assert honest["clips"][0]["engines"][0]["psnr_hole"] < 22  # the prefill's smooth guess, not the answer
    assert old["clips"][0]["engines"][0]["psnr_hole"] is None  # infinite: it was handed the answer
