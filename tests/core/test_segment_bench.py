"""The segmentation benchmark's metrics, its composite clips and its command's errors."""

from __future__ import annotations

import numpy as np

from inpaint_core.bench.segbench import boundary_f, reappearances, score_track
from inpaint_core.cli import main
from tests.shared import shared_path


def _disc(cx, r=10, shape=(60, 80)):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return np.where((xx - cx) ** 2 + (yy - 30) ** 2 <= r * r, 255, 0).astype(np.uint8)


def test_boundary_f_and_reappearances():
    a = _disc(40)
    assert boundary_f(a, a) == 1.0
    assert boundary_f(a, _disc(70)) < 0.2
    assert boundary_f(np.zeros_like(a), np.zeros_like(a)) == 1.0
    assert boundary_f(a, np.zeros_like(a)) == 0.0
    vis = np.array([1, 1, 0.5, 0, 0, 0, 0.2, 0.6, 1, 0, 1])
    assert reappearances(vis) == [7]  # one frame hidden (index 9) is not a full occlusion


def test_score_track_reports_lost_frame_and_refind_delay():
    truth = [_disc(20 + 3 * i) for i in range(10)]
    for i in (4, 5):
        truth[i] = np.zeros_like(truth[i])
    pred = [t.copy() for t in truth]
    pred[3] = np.zeros_like(pred[3])       # lost one frame before the occlusion
    pred[6] = np.zeros_like(pred[6])       # found again one frame after the reappearance
    vis = np.array([1, 1, 1, 1, 0, 0, 1, 1, 1, 1], float)
    r = score_track(pred, truth, vis)
    assert r["lost_at"] == 3 and r["frames_lost"] == 2
    assert r["refind"] == [{"reappears": 6, "delay": 1}]
    assert r["mean_iou"] == round(7 / 9, 4)


def test_segment_bench_without_data_says_what_it_needs(tmp_path, capsys):
    assert main(["segment-bench", "--data", str(tmp_path), "--out", str(tmp_path / "r.json")]) == 2
    assert "--data must name a folder with clips/" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_composite_clip_truth_is_exact_and_repeatable():
    data = shared_path("data")
    from inpaint_core.bench.segclips import Sources, render, standard_specs

    specs = {s.name: s for s in standard_specs()}
    assert len(specs) >= 12
    spec = specs["girl_trunk"]
    a, b = render(spec, Sources(data)), render(spec, Sources(data))
    assert len(a.frames) == spec.frames and a.frames[0].shape == (180, 320, 3)
    assert all(np.array_equal(x, y) for x, y in zip(a.frames, b.frames))
    vis = a.visible_fraction
    assert vis.min() < 0.05 and vis[0] > 0.95  # fully hidden behind the trunk at some point
    hidden = int(np.argmin(vis))
    assert not a.truth[hidden].any()
    assert a.truth[0].any() and set(np.unique(a.truth[0])) <= {0, 255}
