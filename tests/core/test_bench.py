"""`vanish bench` end to end on a tiny synthetic image-folder clip, and its building blocks."""

import json
import time

import cv2
import numpy as np
import pytest

from inpaint_core import engines
from inpaint_core.bench.clips import expand_clip_paths, load_clip
from inpaint_core.bench.report import format_table, markdown_table, output_paths
from inpaint_core.bench.runner import BenchConfig, run_bench
from inpaint_core.cli import main
from inpaint_core.engines.base import Engine, Filled
from inpaint_core.errors import VideoError
from inpaint_core.jobs import Progress


def _write_clip(folder, n=12, w=160, h=96):
    """A camera sliding over a smooth random texture, saved as PNG frames; returns the frames."""
    rng = np.random.default_rng(0)
    big = cv2.GaussianBlur(rng.random((h + 40, w + 3 * n + 20, 3)).astype(np.float32), (0, 0), 3)
    big = ((big - big.min()) / (big.max() - big.min()) * 255).astype(np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    frames = []
    for i in range(n):
        f = np.ascontiguousarray(big[20:20 + h, 10 + 2 * i:10 + 2 * i + w])
        cv2.imwrite(str(folder / f"{i:05d}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
        frames.append(f)
    return np.stack(frames)


class IdentityEngine(Engine):
    """Test engine that returns its input unchanged (it sees the true frames, so it is 'perfect')."""

    name = "identity"
    default_grow = 3

    def run(self, clip, frames=None, priority=None):
        for i in range(clip.frame_count):
            yield Filled(i, clip.frame(i))
            yield Progress(i + 1, clip.frame_count, "identity")


class BrokenEngine(Engine):
    name = "broken"

    def run(self, clip, frames=None, priority=None):
        yield Progress(0, 1, "broken")
        raise RuntimeError("boom")


@pytest.fixture
def test_engines(monkeypatch):
    monkeypatch.setitem(engines.ENGINE_PATHS, "identity", f"{__name__}:IdentityEngine")
    monkeypatch.setitem(engines.ENGINE_PATHS, "broken", f"{__name__}:BrokenEngine")


def test_cli_bench_writes_json_chart_and_contact_sheet(tmp_path, capsys):
    clip = tmp_path / "clip"
    _write_clip(clip)
    out = tmp_path / "res" / "results.json"
    out.parent.mkdir()
    rc = main(["bench", "--engine", "telea", "--engine", "sttn", "--clips", str(clip), "--frames", "10",
               "--size", "128x80", "--out", str(out), "--mask-type", "object", "--area", "5,15", "--seed", "3"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "telea" in printed and "PSNR hole" in printed and "VFID" in printed
    data = json.loads(out.read_text())
    assert {"version", "config", "machine", "notes", "vfid", "clips", "summary"} <= set(data)
    assert data["vfid"]["computed"] is False and "I3D" in data["vfid"]["reason"]
    (c,) = data["clips"]
    assert c["name"] == "clip" and c["frames"] == 10 and c["size"] == [128, 80] and c["source_size"] == [160, 96]
    assert 0.05 <= c["area_ratio"] <= 0.15
    tel, sttn = c["engines"]
    assert sttn["engine"] == "sttn" and sttn["status"] == "unavailable" and sttn["reason"]
    assert tel["status"] == "ok" and tel["n_frames"] == 10 and tel["grow"] == 2
    assert tel["fps"] > 0 and tel["seconds"] > 0 and tel["peak_rss_mb"] >= 0
    # telea blurs the hole: worse inside than over the whole frame, far from perfect, but sane
    assert 10 < tel["psnr_hole"] < tel["psnr"] < 60
    assert 0 < tel["ssim_hole"] < tel["ssim"] < 1
    assert tel["warp_error"] > 0 and tel["flicker"] > 0 and tel["warp_error_hole"] > tel["warp_error"]
    assert c["ground_truth"]["warp_error"] < tel["warp_error"]
    assert c["ground_truth"]["warp_error_hole"] < tel["warp_error_hole"]
    paths = output_paths(out)
    chart = cv2.imread(str(paths["chart"]))
    sheet = cv2.imread(str(paths["contact"]))
    assert chart is not None and chart.shape[0] > 200 and chart.shape[1] > 400
    # two sample rows; columns: input, telea, ground truth (sttn ran nowhere: no column), 128 px each
    assert sheet is not None and sheet.shape[1] == 3 * 128 + 2 * 3
    assert sheet.shape[0] == 2 * (80 + 18) + 3
    assert not list(out.parent.glob(".*.tmp"))


def test_scores_use_the_original_mask_and_failures_are_reported(tmp_path, test_engines, capsys):
    clip = tmp_path / "c"
    _write_clip(clip, n=6)
    out = tmp_path / "r.json"
    # the identity engine returns what it is given: "perfect" only when given the truth in the hole
    rc = main(["bench", "--engine", "identity", "--engine", "broken", "--engine", "nosuch", "--clips",
               str(clip), "--frames", "6", "--size", "160x96", "--out", str(out), "--no-warp",
               "--hole-content", "truth"])
    assert rc == 1  # an engine failed
    data = json.loads(out.read_text())
    ident, broken, nosuch = data["clips"][0]["engines"]
    # a perfect fill: infinite PSNR (written as null), SSIM exactly 1, no flicker
    assert ident["status"] == "ok" and ident["grow"] == 3
    assert ident["psnr"] is None and ident["psnr_hole"] is None
    assert ident["ssim"] == pytest.approx(1.0) and ident["ssim_hole"] == pytest.approx(1.0)
    assert ident["flicker"] == 0.0 and ident["warp_error"] is None and ident["warp_error_hole"] is None
    assert broken["status"] == "failed" and "boom" in broken["reason"]
    assert nosuch["status"] == "unavailable" and "Unknown engine" in nosuch["reason"]
    table = capsys.readouterr().out
    assert "failed: RuntimeError: boom" in table


def test_run_bench_api_same_seed_same_masks(tmp_path):
    clip = tmp_path / "c"
    truth = _write_clip(clip, n=5)
    cfg = BenchConfig(engines=["telea"], clips=[clip], mask_type="box", frames=5, size=(160, 96), seed=9,
                      warp=False, samples=1)
    a = run_bench(cfg)
    b = run_bench(cfg)
    ea, eb = a.data["clips"][0]["engines"][0], b.data["clips"][0]["engines"][0]
    assert ea["psnr_hole"] == eb["psnr_hole"] and a.data["clips"][0]["area_ratio"] == b.data["clips"][0]["area_ratio"]
    (cs,) = a.samples
    assert cs.indices == [2] and np.array_equal(cs.truth[0], truth[2])
    # telea changed the hole and nothing far outside it
    res, m = cs.results["telea"][0], cs.masks[0]
    assert not np.array_equal(res[m > 0], truth[2][m > 0])
    far = cv2.dilate(m, np.ones((9, 9), np.uint8)) == 0
    assert np.array_equal(res[far], truth[2][far])
    assert "telea" in format_table(a.data) and markdown_table(a.data).startswith("| clip | engine |")


def test_clip_loading_and_bad_input(tmp_path, capsys):
    clip = tmp_path / "frames"
    truth = _write_clip(clip, n=4)
    c = load_clip(clip, frames=10, size=None)
    assert len(c) == 4 and c.size == (160, 96) and np.array_equal(c.frames, truth)
    assert "only 4 frames" in c.notes[0]
    small = load_clip(clip, frames=2, size=(80, 48))
    assert small.frames.shape == (2, 48, 80, 3)
    with pytest.raises(VideoError, match="not found"):
        expand_clip_paths([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(VideoError, match="neither image frames nor video"):
        expand_clip_paths([tmp_path / "empty"])
    rc = main(["bench", "--engine", "telea", "--clips", str(tmp_path / "missing"), "--out",
               str(tmp_path / "r.json")])
    assert rc == 2 and "Clip not found" in capsys.readouterr().err
    rc = main(["bench", "--engine", "telea", "--clips", str(clip), "--out", str(tmp_path / "no" / "r.json")])
    assert rc == 2 and "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["bench", "--engine", "telea", "--clips", str(clip), "--out", "r.json", "--size", "big"])
    assert not (tmp_path / "r.json").exists()


def test_each_clip_gets_its_own_holes_whatever_the_order(tmp_path):
    a, b = tmp_path / "alpha", tmp_path / "beta"
    _write_clip(a, n=3)
    _write_clip(b, n=3)
    both = run_bench(BenchConfig(engines=["telea"], clips=[a, b], frames=3, size=(160, 96), warp=False))
    only_b = run_bench(BenchConfig(engines=["telea"], clips=[b], frames=3, size=(160, 96), warp=False))
    ma, mb = both.samples[0].masks[0], both.samples[1].masks[0]
    assert not np.array_equal(ma, mb)
    assert np.array_equal(mb, only_b.samples[0].masks[0])
    assert both.data["clips"][1]["mask_seed"] == only_b.data["clips"][0]["mask_seed"]


def test_peak_memory_sees_a_transient_allocation():
    from inpaint_core.bench.memory import PeakMemory

    with PeakMemory() as mem:
        block = np.ones(64 * 2**20, np.uint8)  # 64 MiB, touched
        time.sleep(0.1)  # held long enough for the 10 ms sampler, then freed inside the block
        del block
    assert mem.rss_delta >= 48 * 2**20
    with PeakMemory() as small:
        np.ones(1000, np.uint8)
    assert small.rss_delta < 16 * 2**20
